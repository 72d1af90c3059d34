"""Config errors name columns and rules by name, in the framework's own words (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lakehouse.config import load_project
from lakehouse.errors import ConfigError


def _conf(tmp_path: Path, dataset: dict) -> Path:
    conf = tmp_path / "conf"
    (conf / "datasets").mkdir(parents=True)
    (conf / "lake.yaml").write_text(yaml.safe_dump({"project": "penguins"}))
    base = {"name": "penguins", "source": {"format": "csv", "path": "penguins"},
            "schema": [{"name": "species", "type": "string"},
                       {"name": "culmen_length_mm", "type": "double"}],
            "primary_key": ["species"]}
    (conf / "datasets" / "penguins.yaml").write_text(yaml.safe_dump({**base, **dataset}))
    return conf


def _problems(conf: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_project(conf)
    return info.value.problems


def test_column_named_instead_of_index(tmp_path: Path) -> None:
    schema = [{"name": "species", "type": "string"}, {"name": "culmen_length_mm", "type": "dubble"}]
    problems = _problems(_conf(tmp_path, {"schema": schema}))
    assert len(problems) == 1
    assert problems[0].startswith("schema[culmen_length_mm].type: unknown type 'dubble'")


def test_unknown_rule_type_in_own_words_with_suggestion(tmp_path: Path) -> None:
    rules = {"raw_to_curated": [{"name": "weather_known", "rule": "betwen",
                                 "column": "culmen_length_mm", "min": 0}]}
    assert _problems(_conf(tmp_path, {"rules": rules})) == [
        "rules.raw_to_curated[weather_known]: unknown rule type 'betwen' (did you mean 'between'?)"]


def test_rule_keys_and_columns_named_by_rule(tmp_path: Path) -> None:
    rules = [{"name": "length_ok", "rule": "between", "column": "culmen_length_mm", "mn": 0},
             {"name": "no_type", "column": "species"}]
    problems = _problems(_conf(tmp_path, {"rules": rules}))   # a plain list = raw_to_curated
    assert "rules.raw_to_curated[length_ok].mn: unknown key (did you mean 'min'?)" in problems
    assert "rules.raw_to_curated[no_type]: required key 'rule' is missing (the rule type)" \
        in problems
    rules = {"curated_to_exportable": [{"name": "sp", "rule": "not_null", "column": "specis"}]}
    assert _problems(_conf(tmp_path / "b", {"rules": rules})) == [
        "rules.curated_to_exportable[sp]: names column 'specis', which the schema does not "
        "declare (did you mean 'species'?)"]


def test_no_top_level_placeholder(tmp_path: Path) -> None:
    problems = _problems(_conf(tmp_path, {"primary_key": ["specie"]}))
    assert problems == ["primary_key: names column 'specie', which the schema does not declare "
                        "(did you mean 'species'?)"]


def test_source_options_may_not_drop_malformed_rows(tmp_path: Path) -> None:
    source = {"format": "csv", "path": "penguins", "options": {"mode": "DROPMALFORMED"}}
    (problem,) = _problems(_conf(tmp_path, {"source": source}))
    assert problem.startswith("source.options: option 'mode' is managed by the framework")


def test_null_values_and_empty_files_defaults(tmp_path: Path) -> None:
    schema = [{"name": "species", "type": "string", "null_values": ["-"]},
              {"name": "culmen_length_mm", "type": "double"}]
    ds = load_project(_conf(tmp_path, {"schema": schema})).datasets["penguins"]
    assert ds.source.empty_files == "warn"
    assert ds.null_values_of(ds.column("culmen_length_mm")) == ["", "NA", "N/A", "null", "NULL"]
    assert ds.null_values_of(ds.column("species")) == ["-"]
    conf = _conf(tmp_path / "c", {"source": {"format": "csv", "path": "p", "empty_files": "loud"}})
    (problem,) = _problems(conf)
    assert problem.startswith("source.empty_files: Input should be 'warn', 'fail' or 'ignore'")
