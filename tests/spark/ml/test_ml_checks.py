"""Each check fails on a crafted violation with a clear message, before anything is written;
the export's own data passes. Built directly with ``lakehouse.ml.build`` on small frames."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from lakehouse.config.models import ExportConfig
from lakehouse.errors import QualityGateError
from lakehouse.ml.build import build

pytestmark = [pytest.mark.spark]
N = 120


def _rows(n: int = N, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = datetime(2024, 1, 1)
    return pd.DataFrame({
        "id": [f"r{i:04d}" for i in range(n)],
        "ts": [t0 + timedelta(hours=i) for i in range(n)],
        "grp": [f"g{i % 9}" for i in range(n)],
        "x": rng.normal(size=n),
        "cat": rng.choice(["a", "b", "c"], size=n),
        "y": (np.arange(n) % 3 == 0).astype(int),
    })


def _export(**ml) -> ExportConfig:
    spec = {"label": {"name": "y"}, "id": "id", "time": "ts",
            "features": {"include": ["x"]}, "split": {"method": "random", "seed": 1}}
    spec.update(ml)
    return ExportConfig.model_validate({"name": "crafted", "inputs": ["t"], "sql": "-", "ml": spec})


def _fails(spark, tmp_path, frame: pd.DataFrame, export: ExportConfig, check: str,
           also: tuple[str, ...] = ()) -> str:
    location = tmp_path / "out"
    with pytest.raises(QualityGateError) as info:
        build(spark.createDataFrame(frame), export, location=location.as_uri(), version=1,
              input_versions={"t": 0}, run_id="r1")
    message = str(info.value)
    assert f"- {check} [" in message, message          # the failed check is named
    assert "nothing was written" in message
    assert not location.exists()                        # and nothing was written
    assert {r.name for r in info.value.results if r.blocking} == {check, *also}
    return message


def test_clean_data_passes_and_writes(spark, tmp_path) -> None:
    built = build(spark.createDataFrame(_rows()), _export(), location=(tmp_path / "o").as_uri(),
                  version=1, input_versions={"t": 0}, run_id="r1")
    assert not any(r.blocking for r in built.results)
    assert built.rows_in == built.rows_written == N


def test_label_source_among_features(spark, tmp_path) -> None:
    export = _export(label={"name": "big", "expr": "x > 0.5"}, features={"include": ["x", "cat"]},
                     transforms={"encode": [{"columns": ["cat"]}]})
    msg = _fails(spark, tmp_path, _rows(), export, "label_not_feature")
    assert "the features include ['x'], which the label 'big' (computed from x) is made of" in msg


def test_label_column_among_features_in_exclude_mode(spark, tmp_path) -> None:
    frame = _rows().assign(y_copy=lambda d: d["y"])
    export = _export(label={"name": "target", "expr": "y_copy = 1"},
                     features={"exclude": ["grp", "cat"]})
    msg = _fails(spark, tmp_path, frame, export, "label_not_feature")
    assert "['y_copy']" in msg


def test_id_in_two_splits(spark, tmp_path) -> None:
    frame = _rows()
    frame.loc[N - 1, "id"] = frame.loc[0, "id"]          # first and last hour share an id
    msg = _fails(spark, tmp_path, frame, _export(split={"method": "out_of_time"}),
                 "no_id_in_two_splits")
    assert "1 values of id column 'id' are in more than one split" in msg
    assert "sample: id='r0000', splits=['test', 'train']" in msg


def test_group_in_two_splits(spark, tmp_path) -> None:
    msg = _fails(spark, tmp_path, _rows(), _export(group="grp", split={"method": "out_of_time"}),
                 "no_group_in_two_splits")
    assert "9 values of group column 'grp' are in more than one split" in msg
    assert "use split.method 'group'" in msg


def test_group_split_keeps_groups_apart(spark, tmp_path) -> None:
    built = build(spark.createDataFrame(_rows(300)),
                  _export(group="grp", split={"method": "group", "seed": 5}),
                  location=(tmp_path / "o").as_uri(), version=1, input_versions={}, run_id="r")
    overlap = next(r for r in built.results if r.name == "no_group_in_two_splits")
    assert overlap.status == "passed"


def test_null_time_breaks_time_order(spark, tmp_path) -> None:
    frame = _rows()
    frame.loc[5, "ts"] = pd.NaT
    msg = _fails(spark, tmp_path, frame, _export(split={"method": "out_of_time"}), "time_order")
    assert "1 rows have a null 'ts'" in msg


def test_random_split_when_time_order_is_required(spark, tmp_path) -> None:
    msg = _fails(spark, tmp_path, _rows(), _export(checks={"time_order": "fail"}), "time_order")
    assert "time order by 'ts' is not respected: train ends at" in msg


def test_empty_split(spark, tmp_path) -> None:
    export = _export(split={"method": "out_of_time", "validation_from": "2024-01-03 00:00:00",
                            "test_from": "2025-01-01 00:00:00"})
    msg = _fails(spark, tmp_path, _rows(), export, "no_split_empty")
    assert "split(s) ['test'] are empty" in msg


def test_minority_class_under_the_ratio(spark, tmp_path) -> None:
    frame = _rows().assign(y=lambda d: (np.arange(N) % 40 == 0).astype(int))
    export = _export(split={"method": "stratified", "seed": 2},
                     checks={"min_minority_ratio": 0.1})
    msg = _fails(spark, tmp_path, frame, export, "class_balance:train",
                 also=("class_balance:validation", "class_balance:test"))
    assert re.search(r"train: classes \{.*\}, minority ratio 0\.0\d+ \(< the configured 0\.1\)",
                     msg), msg
    assert "conf/exports/crafted.yaml" in msg


def test_feature_null_ratio(spark, tmp_path) -> None:
    frame = _rows().assign(x=lambda d: d["x"].where(np.arange(N) % 5 == 0))
    export = _export(checks={"max_null_ratio": 0.5, "null_ratio_severity": "fail"})
    msg = _fails(spark, tmp_path, frame, export, "null_ratio:x")
    assert "% null in train (limit 50%)" in msg


def test_drift_between_train_and_test(spark, tmp_path) -> None:
    frame = _rows().assign(x=lambda d: np.arange(N) / 10.0)   # grows with time
    export = _export(split={"method": "out_of_time"},
                     checks={"drift_psi": 0.5, "drift_severity": "fail"})
    msg = _fails(spark, tmp_path, frame, export, "drift:x")
    assert "x: PSI train->test" in msg


def test_null_label(spark, tmp_path) -> None:
    frame = _rows()
    frame["y"] = frame["y"].astype(object)
    frame.loc[3, "y"] = None
    msg = _fails(spark, tmp_path, frame, _export(), "label_present")
    assert "1 rows have a null label 'y'" in msg


def test_sagemaker_csv_needs_numeric_features(spark, tmp_path) -> None:
    export = _export(features={"include": ["x", "cat"]}, outputs={"sagemaker_csv": True})
    msg = _fails(spark, tmp_path, _rows(), export, "csv_numeric")
    assert "{'cat': 'string'}" in msg and "transforms.encode" in msg


def test_dedup_by_key_is_accounted(spark, tmp_path) -> None:
    frame = pd.concat([_rows(), _rows().head(7).assign(x=99.0)], ignore_index=True)
    export = _export(transforms={"dedup": {"order_by": ["x DESC"]}})
    built = build(spark.createDataFrame(frame), export, location=(tmp_path / "o").as_uri(),
                  version=1, input_versions={}, run_id="r")
    assert (built.rows_in, built.rows_written, built.rows_deduplicated) == (N + 7, N, 7)


def test_kfold_assigns_folds_outside_test(spark, tmp_path) -> None:
    import pyarrow.parquet as pq

    export = _export(split={"method": "kfold", "folds": 4, "seed": 9,
                            "fractions": {"train": 0.8, "validation": 0, "test": 0.2}})
    built = build(spark.createDataFrame(_rows(400)), export, location=(tmp_path / "o").as_uri(),
                  version=1, input_versions={}, run_id="r")
    train = pq.read_table(tmp_path / "o" / "train" / "part-00000.parquet").to_pandas()
    assert sorted(train["_fold"].unique()) == [0, 1, 2, 3]
    assert set(built.manifest["split_counts"]) == {"train", "test"}
    assert not (tmp_path / "o" / "validation").exists()


def test_same_rows_and_seed_give_identical_partitioned_files(spark, tmp_path) -> None:
    export = ExportConfig.model_validate({**_export().model_dump(), "partition_by": ["grp"]})
    frame = _rows(200)
    manifests = []
    for run, rows in (("a", frame), ("b", frame.sample(frac=1.0, random_state=4))):  # row order
        built = build(spark.createDataFrame(rows).repartition(3), export,
                      location=(tmp_path / run).as_uri(), version=1, input_versions={"t": 0},
                      run_id=run)
        manifests.append(built.manifest)
    assert manifests[0]["files"] == manifests[1]["files"]
    assert manifests[0]["transforms_sha256"] == manifests[1]["transforms_sha256"]
    assert "train/grp=g0/part-00000.parquet" in manifests[0]["files"]
    assert len([f for f in manifests[0]["files"] if f.startswith("train/")]) == 9


def test_time_features_use_only_earlier_rows_of_the_same_entity(spark, tmp_path) -> None:
    import pyarrow.parquet as pq

    export = _export(transforms={"time_features": {"entity": "grp", "lags": {"x": [1, 2]},
                                                   "rolling_mean": {"x": [3]},
                                                   "calendar": ["hour", "dayofweek"]}})
    frame = _rows(90)
    build(spark.createDataFrame(frame), export, location=(tmp_path / "o").as_uri(), version=1,
          input_versions={}, run_id="r")
    out = pd.concat([pq.read_table(tmp_path / "o" / s / "part-00000.parquet").to_pandas()
                     for s in ("train", "validation", "test")]).set_index("id").sort_index()
    expected = frame.sort_values(["grp", "ts", "id"]).set_index("id")
    by = expected.groupby("grp")["x"]
    expected["lag1"], expected["lag2"] = by.shift(1), by.shift(2)
    expected["mean3"] = by.transform(lambda s: s.shift(1).rolling(3, min_periods=1).mean())
    expected = expected.sort_index()
    assert np.allclose(out["x__lag1"], expected["lag1"], equal_nan=True)
    assert np.allclose(out["x__lag2"], expected["lag2"], equal_nan=True)
    assert np.allclose(out["x__mean3"], expected["mean3"], equal_nan=True)
    assert (out["ts__hour"] == expected["ts"].dt.hour).all()
    assert (out["ts__dayofweek"] == expected["ts"].dt.dayofweek.add(1) % 7 + 1).all()
