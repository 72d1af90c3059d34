"""The ``ml:`` section of an export: validated offline, with located errors and hints."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from lakehouse.config import load_project
from lakehouse.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    target = tmp_path / "conf"
    shutil.copytree(REPO / "conf", target)
    return target


def _edit(conf: Path, change) -> None:
    path = conf / "exports" / "flights_delay_ml.yaml"
    doc = yaml.safe_load(path.read_text())
    change(doc["ml"])
    path.write_text(yaml.safe_dump(doc))


def _error(conf: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_project(conf)
    return str(info.value)


def test_sample_ml_export_loads_typed(conf: Path) -> None:
    ml = load_project(conf).exports["flights_delay_ml"].ml
    assert ml is not None
    assert (ml.label.name, ml.label.expr, ml.id, ml.time) == (
        "delayed", "dep_delay > 15", "flight_id", "time_hour")
    assert ml.split.method == "out_of_time" and ml.split.fractions.train == 0.7
    assert ml.transforms.encode[0].columns == ["carrier"] and ml.outputs.sagemaker_csv


def test_unknown_key_gets_did_you_mean(conf: Path) -> None:
    _edit(conf, lambda ml: ml["split"].update(seeds=1))
    message = _error(conf)
    assert "flights_delay_ml.yaml" in message
    assert "ml.split.seeds: unknown key (did you mean 'seed'?)" in message


def test_unknown_key_in_a_transform_list(conf: Path) -> None:
    _edit(conf, lambda ml: ml["transforms"]["scale"][0].update(methd="minmax"))
    assert "ml.transforms.scale[0].methd: unknown key (did you mean 'method'?)" in _error(conf)


def test_fractions_must_add_up(conf: Path) -> None:
    _edit(conf, lambda ml: ml["split"].update(fractions={"train": 0.8, "validation": 0.15,
                                                          "test": 0.15}))
    assert "train + validation + test must be 1, got 1.1" in _error(conf)


def test_out_of_time_needs_a_time_column(conf: Path) -> None:
    _edit(conf, lambda ml: ml.pop("time"))
    assert "split.method 'out_of_time' needs ml.time" in _error(conf)


def test_label_listed_as_feature(conf: Path) -> None:
    _edit(conf, lambda ml: ml["features"]["include"].append("delayed"))
    assert "features.include lists the label 'delayed'" in _error(conf)


def test_constant_impute_needs_a_value(conf: Path) -> None:
    _edit(conf, lambda ml: ml["transforms"]["impute"][1].pop("value"))
    assert "'value' is required with strategy 'constant'" in _error(conf)


def test_bad_strategy_names_the_choices(conf: Path) -> None:
    _edit(conf, lambda ml: ml["transforms"]["impute"][0].update(strategy="average"))
    message = _error(conf)
    assert "ml.transforms.impute[0].strategy" in message and "'median'" in message


def test_ml_export_cannot_be_csv(conf: Path) -> None:
    path = conf / "exports" / "flights_delay_ml.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["format"] = "csv"
    path.write_text(yaml.safe_dump(doc))
    assert "an export with 'ml' writes Parquet per split" in _error(conf)
