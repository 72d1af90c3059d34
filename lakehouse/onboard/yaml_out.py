"""Write a :class:`Draft` as commented YAML (ruamel.yaml keeps comments; PyYAML cannot).

Every string the draft holds reads back as the same string, through the project's loader
(YAML 1.2, :func:`lakehouse.config.loader.parse_yaml`) and through a **YAML 1.1** reader
(PyYAML, which most other tools use): :func:`_quoted` single-quotes every string that is not
plain words - letters, digits, ``_``, spaces, ``.()/-`` - or that either YAML version would
resolve to another type (``No``, ``on``, ``1:20`` in base 60, ``0777``, ``2024-01-01``,
``null``, ``.inf``, ...), and writes floats with a dot (``1.0e-05``: YAML 1.1 reads ``1e-05``
as text). Quoting more than ruamel's emitter would is on purpose: its own analysis knows only
YAML 1.2, it writes a flow-mapping key such as ``? x`` unquoted (read back as ``x``), and in
single quotes a line break such as NEL (U+0085) folds into a space, so text that is not
printable is double-quoted, with escapes. The round-trip property test found these
(``tests/unit/onboard/test_yaml_roundtrip.py``).
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

from lakehouse.onboard.suggest import Draft

STR_TAG = "tag:yaml.org,2002:str"
_WORDS = re.compile(r"[\w(][\w .()/-]*(?<! )")  # \w: letters and digits of any script, and _


def plain_is_not_text(text: str) -> bool:
    """True when ``text`` written unquoted would be read as something else than this string by
    a YAML 1.1 (PyYAML) or a YAML 1.2 (ruamel.yaml) reader."""
    import yaml as pyyaml
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    implicit = (True, False)
    yaml11 = pyyaml.resolver.Resolver().resolve(pyyaml.ScalarNode, text, implicit)
    yaml12 = VersionedResolver(version=(1, 2)).resolve(ScalarNode, text, implicit)
    return yaml11 != STR_TAG or yaml12 != STR_TAG


def needs_quotes(text: str) -> bool:
    """True unless ``text`` is plain words that both YAML versions read as this string."""
    return not _WORDS.fullmatch(text) or plain_is_not_text(text)


class _Float(float):
    """A float written so that YAML 1.1 reads it as a float too: ``1.0e-05``, not ``1e-05``
    (YAML 1.1's float pattern needs a dot; ``1e-05`` would be read back as text)."""


def _float_text(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    mantissa, e, exponent = repr(value).partition("e")
    return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else repr(value)


def _represent_float(representer: Any, value: _Float) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:float", _float_text(value))


def _quoted(value: Any) -> Any:
    """``value`` with every string that is not plain words single-quoted (see module doc)."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    if isinstance(value, dict):
        return {_quoted(k): _quoted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_quoted(v) for v in value]
    if isinstance(value, float):
        return _Float(value)
    if isinstance(value, str) and not value.isprintable():
        # line breaks (also NEL, LS, PS) and control characters: escaped in double quotes, as
        # a single-quoted scalar would fold them into spaces
        return DoubleQuotedScalarString(value)
    if isinstance(value, str) and needs_quotes(value):
        return SingleQuotedScalarString(value)
    return value


def render_yaml(draft: Draft) -> str:
    """The contract as YAML text: one flow-style line per column and rule, comments beside."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def flow_map(data: dict[str, Any]) -> CommentedMap:
        item = CommentedMap()
        for k, v in data.items():
            if isinstance(v, list):
                seq = CommentedSeq(v)
                seq.fa.set_flow_style()
                v = seq
            elif isinstance(v, dict):
                v = flow_map(v)
            item[k] = v
        item.fa.set_flow_style()
        return item

    def commented_list(items: list[dict], notes: list[str]) -> CommentedSeq:
        seq = CommentedSeq([flow_map(i) for i in items])
        for index, note in enumerate(notes):
            if note:
                seq.yaml_add_eol_comment(note, index, column=0)
        return seq

    doc = CommentedMap()
    for key, value in _quoted(draft.doc).items():
        if key == "schema":
            doc[key] = commented_list(value, draft.column_notes)
        elif key == "rules":
            rules = CommentedMap()
            for gate, items in value.items():
                rules[gate] = commented_list(items, draft.rule_notes.get(gate, []))
                if not items:
                    rules[gate] = CommentedSeq()
                    rules[gate].fa.set_flow_style()
            doc[key] = rules
        elif key == "source":
            source = CommentedMap(value)
            if "options" in source:
                source["options"] = flow_map(source["options"])
            doc[key] = source
        elif isinstance(value, list):
            seq = CommentedSeq(value)
            seq.fa.set_flow_style()
            doc[key] = seq
        else:
            doc[key] = value
    for key, note in draft.key_notes.items():
        if key in doc:
            doc.yaml_set_comment_before_after_key(key, before=note)
    if draft.header:
        doc.yaml_set_start_comment("\n".join(draft.header))
    yaml = YAML()
    yaml.representer.add_representer(_Float, _represent_float)
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()
