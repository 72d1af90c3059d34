"""conf/ is read as YAML 1.2: hand-written `No` is text, booleans stay booleans, Spark's boolean
options still take yes/no, and a duplicated key is an error (docs/datasets.md, section 5)."""

from __future__ import annotations

import pytest

from lakehouse.config import load_project
from lakehouse.errors import ConfigError
from lakehouse.testing.project import write_project

CONTRACT = """\
name: answers
source:
  format: csv
  path: answers
  options: {header: yes, nullValue: No, multiLine: off}
schema:
  - {name: id, type: int, nullable: no}
  - {name: answer, type: string}
  - {name: opens_at, type: string, comment: 12:30}
primary_key: [id]
rules:
  raw_to_curated:
    - {name: answer_values, rule: in_set, column: answer, values: [No, Yes, y, off], severity: warn}
"""


def test_hand_written_yes_no_are_text_where_text_is_meant(tmp_path) -> None:
    project = load_project(write_project(tmp_path, datasets={"answers": CONTRACT}))
    contract = project.datasets["answers"]
    rule = next(r for r in contract.rules.all() if r.name == "answer_values")
    assert rule.values == ["No", "Yes", "y", "off"]           # YAML 1.1: [False, True, 'y', False]
    assert contract.column("opens_at").comment == "12:30"     # YAML 1.1: 750 (base 60)
    assert contract.column("id").nullable is False            # a boolean setting: no = false
    assert contract.source.options == {"header": True, "nullValue": "No", "multiLine": False}


def test_a_key_given_twice_is_an_error_with_its_line(tmp_path) -> None:
    text = CONTRACT.replace("primary_key: [id]", "primary_key: [id]\nprimary_key: [answer]")
    conf = write_project(tmp_path, datasets={"answers": text})
    with pytest.raises(ConfigError) as info:
        load_project(conf)
    message = str(info.value)
    assert "answers.yaml" in message and "line 11, column 1" in message
    assert 'duplicate key "primary_key"' in message
