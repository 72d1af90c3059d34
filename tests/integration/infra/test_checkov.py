"""checkov on ``infra/``: no failed check; every skip is written beside its resource with a reason.

checkov pins packages the library cannot share (older ``packaging`` and ``boto3``), so it lives
in its own venv, ``.venv-checkov`` (``make .venv-checkov/.installed``, run by ``make test``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]


def _checkov() -> str:
    found = REPO / ".venv-checkov" / "bin" / "checkov"
    if found.is_file():
        return str(found)
    on_path = shutil.which("checkov")
    if on_path is None:
        pytest.skip("checkov is not installed: run `make .venv-checkov/.installed`")
    return on_path


def test_checkov_reports_no_failed_checks_and_reasoned_skips(tmp_path: Path) -> None:
    done = subprocess.run(
        [_checkov(), "-d", str(REPO / "infra"), "--framework", "terraform", "-o", "json",
         "--skip-download"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path), "BC_SKIP_MAPPING": "TRUE"})
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    [tf] = [r for r in reports if r["check_type"] == "terraform"]
    summary = tf["summary"]
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in tf["results"]["failed_checks"]]
    assert failed == [], f"checkov failed checks: {failed}"
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 300           # every module was parsed (72 resources)
    skipped = tf["results"]["skipped_checks"]
    assert len(skipped) == summary["skipped"]
    for check in skipped:
        reason = (check["check_result"].get("suppress_comment") or "").strip()
        assert len(reason) > 20, f"{check['check_id']} on {check['resource']} skipped without a reason"
    print(f"checkov: {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped")
