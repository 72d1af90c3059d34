"""Profile -> contract (Spark-free): the draft loads, keys and rules follow the evidence."""

from __future__ import annotations

import gzip
import json

import pytest
import yaml

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import SourceError
from lakehouse.onboard.files import find_source_files, place_in_landing
from lakehouse.onboard.profile import ColumnProfile, DataProfile
from lakehouse.onboard.suggest import rank_keys, suggest_contract
from lakehouse.onboard.yaml_out import render_yaml


def profile(**overrides) -> DataProfile:
    cols = [
        ColumnProfile("Species", "species", "string", 0, 3, values=["Adelie", "Gentoo", "Chinstrap"],
                      min_length=6, max_length=9),
        ColumnProfile("Culmen Length (mm)", "culmen_length_mm", "double", 2, 164, 32.1, 59.6),
        ColumnProfile("Tag", "tag", "string", 0, 300, min_length=4, max_length=4,
                      code_pattern="^[A-Z0-9]{4}$"),
        ColumnProfile("Seen At", "seen_at", "timestamp", 0, 300, "2024-01-01 00:00:00",
                      "2024-02-01 00:00:00"),
    ]
    data = {"format": "csv", "options": {"header": True, "nullValue": "NA"}, "rows": 300,
            "files": ["birds/a.csv.gz"], "columns": cols, "unique_keys": [["tag"]], "null_marker": "NA"}
    data.update(overrides)
    return DataProfile(**data)


def draft_doc(p: DataProfile) -> tuple[dict, str]:
    text = render_yaml(suggest_contract("birds", p, source_path="birds", pattern="*.csv*"))
    return yaml.safe_load(text), text


def test_draft_loads_as_a_contract_with_comments() -> None:
    doc, text = draft_doc(profile())
    contract = DatasetConfig.model_validate(doc)
    assert contract.primary_key == ["tag"] and contract.column("tag").nullable is False
    assert contract.column("culmen_length_mm").source == "Culmen Length (mm)"
    assert contract.partition_by == ["seen_date"]
    assert contract.column("seen_date").expr == "to_date(seen_at)"
    rules = {r.name: r for r in contract.rules.all()}
    assert rules["species_values"].values == ["Adelie", "Chinstrap", "Gentoo"]
    assert (rules["culmen_length_mm_range"].min, rules["culmen_length_mm_range"].max) == (32.1, 59.6)
    assert rules["tag_format"].pattern == "^[A-Z0-9]{4}$"
    assert rules["key_unique"].severity == "fail"
    assert all(r.severity == "warn" for n, r in rules.items() if n not in ("key_unique", "not_empty"))
    assert "# as delivered: 'Culmen Length (mm)'; 2/300 null; 164 distinct; 32.1 .. 59.6" in text
    assert "'NA' marks a missing value" in text


def test_no_unique_columns_falls_back_to_the_content_hash() -> None:
    doc, text = draft_doc(profile(unique_keys=[]))
    contract = DatasetConfig.model_validate(doc)
    assert contract.primary_key == ["_record_hash"]
    assert contract.rules.for_gate("curated_to_exportable") == []
    assert "rows are keyed by content" in text


def test_keys_rank_short_and_key_like_first() -> None:
    p = profile()
    p.columns.append(ColumnProfile("bird_id", "bird_id", "int", 0, 300))
    ranked = rank_keys([["species", "tag"], ["tag"], ["bird_id"]], p)
    assert ranked == [["bird_id"], ["tag"], ["species", "tag"]]


def test_source_detection(tmp_path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([{"x": 1}]))
    assert find_source_files(tmp_path / "a.json").options == {"multiLine": True}
    gz = tmp_path / "g" / "r.csv.gz"
    gz.parent.mkdir()
    gz.write_bytes(gzip.compress(b"a;b\n1;2\n"))
    found = find_source_files(gz.parent)
    assert (found.format, found.options, found.pattern) == ("csv", {"header": True, "sep": ";"}, "*.csv*")
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "a.csv").write_text("a\n1\n")
    (tmp_path / "mixed" / "b.parquet").write_bytes(b"PAR1")
    with pytest.raises(SourceError, match="several formats"):
        find_source_files(tmp_path / "mixed")
    with pytest.raises(SourceError, match="no CSV, JSON or Parquet"):
        find_source_files(_empty(tmp_path))


def _empty(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.md").write_text("hi")
    return folder


def test_files_outside_landing_are_copied_and_inside_are_used_in_place(tmp_path) -> None:
    landing = tmp_path / "lake" / "landing"
    src = tmp_path / "in" / "x.csv"
    src.parent.mkdir()
    src.write_text("a\n1\n")
    folder, batch = place_in_landing(landing.as_uri(), "things", find_source_files(src))
    assert folder == "things" and (landing / "things" / "x.csv").read_text() == "a\n1\n"
    assert [f.rel_path for f in batch] == ["things/x.csv"]
    inside = landing / "deliveries" / "y.csv"
    inside.parent.mkdir(parents=True)
    inside.write_text("a\n2\n")
    folder, batch = place_in_landing(landing.as_uri(), "other", find_source_files(inside))
    assert folder == "deliveries" and [f.rel_path for f in batch] == ["deliveries/y.csv"]
    assert not (landing / "other").exists()


def test_init_refuses_to_overwrite_and_explains_bad_sources(tmp_path) -> None:
    from click.testing import CliRunner

    from lakehouse.cli.main import cli
    from lakehouse.errors import ConfigError
    from lakehouse.testing.project import write_project

    conf = write_project(tmp_path, datasets={"birds": {
        "name": "birds", "source": {"format": "csv", "path": "birds"},
        "schema": [{"name": "id", "type": "int"}], "primary_key": ["id"]}})
    (tmp_path / "x.csv").write_text("a\n1\n")
    again = CliRunner().invoke(cli, ["dataset", "init", "birds", "--from", str(tmp_path / "x.csv"),
                                     "--conf", str(conf)])
    assert isinstance(again.exception, ConfigError) and "pass --force" in str(again.exception)
    empty = _empty(tmp_path)
    bad = CliRunner().invoke(cli, ["dataset", "init", "notes", "--from", str(empty), "--conf", str(conf)])
    assert isinstance(bad.exception, SourceError) and "no CSV, JSON or Parquet file" in str(bad.exception)
    assert not (conf / "datasets" / "notes.yaml").exists()
