"""Write a :class:`Draft` as commented YAML (ruamel.yaml keeps comments; PyYAML cannot)."""

from __future__ import annotations

import io
from typing import Any

from lakehouse.onboard.suggest import Draft


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
    for key, value in draft.doc.items():
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
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()
