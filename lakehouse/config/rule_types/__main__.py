"""``python -m lakehouse.config.rule_types PAGE``: regenerate the rule table in PAGE."""

import sys
from pathlib import Path

from lakehouse.config.rule_types.docs import render_docs

if __name__ == "__main__":
    for page in sys.argv[1:] or ["docs/quality.md"]:
        path = Path(page)
        path.write_text(render_docs(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"updated {path}")
