"""Config loading: valid conf, profiles, env references, and the short errors for bad conf."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.config import load_project
from lakehouse.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    target = tmp_path / "conf"
    shutil.copytree(REPO / "conf", target)
    return target


def test_repository_conf_loads_with_typed_models(conf: Path) -> None:
    project = load_project(conf)
    flights = project.datasets["flights"]
    assert flights.primary_key == ["year", "month", "day", "carrier", "flight", "origin",
                                   "sched_dep_time"]
    assert flights.column("distance").type == "double"
    assert flights.column("year").nullable is False
    assert project.lake_root == (conf.parent / ".lake").resolve().as_uri()
    assert project.database("curated") == "flights_curated"
    assert set(project.exports["flights_enriched"].inputs) == {"flights", "weather", "planes"}


def test_profile_overlay_and_env_reference(conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", "my-bucket")
    project = load_project(conf, env="dev")
    assert project.lake_root == "s3://my-bucket/lake"
    assert project.lake.catalog.backend == "glue"
    assert project.lake.spark.shuffle_partitions == 4  # base value kept under the overlay


def _problems(conf: Path, env: str | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_project(conf, env)
    return str(info.value)


def test_unknown_key_names_file_path_and_suggests(conf: Path) -> None:
    path = conf / "datasets" / "planes.yaml"
    path.write_text(path.read_text().replace("primary_key:", "primary_keys:"))
    message = _problems(conf)
    assert str(path) in message
    assert "primary_keys: unknown key (did you mean 'primary_key'?)" in message


def test_wrong_type_names_key_path_and_expected(conf: Path) -> None:
    path = conf / "datasets" / "weather.yaml"
    path.write_text(path.read_text().replace("{name: temp, type: double", "{name: temp, type: dubble"))
    message = _problems(conf)
    assert "schema[temp].type: unknown type 'dubble'" in message
    assert "expected one of:" in message


def test_bad_yaml_reports_line(conf: Path) -> None:
    (conf / "lake.yaml").write_text("project: flights\nlake: [unclosed\n")
    message = _problems(conf)
    assert "lake.yaml" in message and "not valid YAML" in message and "line" in message


def test_missing_conf_folder(tmp_path: Path) -> None:
    assert "configuration folder not found" in _problems(tmp_path / "nope")


def test_unknown_profile_and_missing_env_var(conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "profiles.prod: no such profile" in _problems(conf, "prod")
    (conf / "lake.yaml").write_text((conf / "lake.yaml").read_text().replace(
        "${env:LAKEHOUSE_DEV_BUCKET:-acme-lakehouse-dev}", "${env:LAKEHOUSE_TEST_UNSET_VAR}"))
    monkeypatch.delenv("LAKEHOUSE_TEST_UNSET_VAR", raising=False)
    assert "LAKEHOUSE_TEST_UNSET_VAR is not set" in _problems(conf, "dev")
    load_project(conf)  # the local profile does not use it


def test_key_columns_must_be_declared(conf: Path) -> None:
    path = conf / "datasets" / "planes.yaml"
    path.write_text(path.read_text().replace("primary_key: [tailnum]", "primary_key: [tailnumber]"))
    assert "primary_key: names column 'tailnumber'" in _problems(conf)


def test_export_inputs_must_exist(conf: Path) -> None:
    path = conf / "exports" / "flights_enriched.yaml"
    path.write_text(path.read_text().replace("inputs: [flights, weather, planes]",
                                             "inputs: [flights, wether]"))
    message = _problems(conf)
    assert "unknown dataset 'wether'" in message and "did you mean 'weather'?" in message


def test_incremental_export_needs_partition_by_and_no_ml(conf: Path) -> None:
    assert load_project(conf).exports["flights_enriched"].incremental == "by_partition"
    path = conf / "exports" / "flights_enriched.yaml"
    path.write_text(path.read_text().replace("partition_by: [flight_date]\n", ""))
    assert "incremental: by_partition rewrites output partitions, so it needs partition_by" \
        in _problems(conf)
    path.write_text(path.read_text().replace("incremental: by_partition", "incremental: always"))
    assert "incremental" in _problems(conf) and "by_partition" in _problems(conf)
    ml = conf / "exports" / "flights_delay_ml.yaml"
    ml.write_text(ml.read_text() + "partition_by: [carrier]\nincremental: by_partition\n")
    assert "does not apply to an export with 'ml'" in _problems(conf)


def test_cli_bad_conf_exits_nonzero_without_traceback(conf: Path) -> None:
    path = conf / "datasets" / "planes.yaml"
    path.write_text(path.read_text().replace("source:", "sourc:"))
    proc = subprocess.run([sys.executable, "-m", "lakehouse.cli.main", "run", "--conf", str(conf)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "sourc: unknown key (did you mean 'source'?)" in proc.stderr
