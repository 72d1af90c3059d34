"""Spark-free parts of ML exports: PSI, manifest checksums/compare, check evaluation."""

from __future__ import annotations

import subprocess
import sys

from lakehouse.config.ml_spec import MLSpec
from lakehouse.ml import manifest
from lakehouse.ml.checks import SplitStats, evaluate
from lakehouse.ml.drift import psi


def test_psi_is_zero_for_equal_and_large_for_shifted() -> None:
    assert psi([10, 20, 30], [1, 2, 3]) == 0.0
    assert psi([100, 0, 0], [0, 0, 100]) > 5
    assert psi([], []) is None and psi([1, 2], [0, 0]) is None


def test_manifest_compare_names_changed_missing_and_extra_files() -> None:
    a = {"transforms_sha256": "t", "files": {"train/p.parquet": "aa", "test/p.parquet": "bb"}}
    assert manifest.compare(a, a) == []
    b = {"transforms_sha256": "u", "files": {"train/p.parquet": "ab", "x.csv": "cc"}}
    problems = manifest.compare(a, b)
    assert problems[0].startswith("_transforms.json: checksum u != t")
    assert {p.split(":")[0] for p in problems[1:]} == {"test/p.parquet", "train/p.parquet", "x.csv"}


def test_checksums_of_local_files(tmp_path) -> None:
    (tmp_path / "a").write_bytes(b"abc")
    got = manifest.checksums(tmp_path.as_uri(), ["a"])
    assert got == {"a": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}


def _spec(**extra) -> MLSpec:
    return MLSpec.model_validate({"label": {"name": "y"}, "id": "id", **extra})


def test_evaluate_blocks_only_fail_severities() -> None:
    stats = SplitStats(splits=["train", "validation", "test"], features=["x", "y"],
                       counts={"train": 10, "validation": 0, "test": 5},
                       class_counts={"train": {"0": 9, "1": 1}},
                       null_counts={"train": {"x": 9, "y": 0}}, psi={"x": 0.9})
    results = {r.name: r for r in evaluate(stats, _spec(checks={"min_minority_ratio": 0.2}))}
    assert results["label_not_feature"].blocking                 # y is a feature
    assert results["no_split_empty"].blocking
    assert results["class_balance:train"].blocking
    assert results["null_ratio:x"].status == "failed" and not results["null_ratio:x"].blocking
    assert results["drift:x"].status == "failed" and not results["drift:x"].blocking
    assert results["time_order"].status == "skipped"


def test_spark_free_modules_import_without_pyspark() -> None:
    code = ("import sys; sys.modules['pyspark'] = None\n"
            "import lakehouse.ml.checks, lakehouse.ml.manifest, lakehouse.ml.drift, "
            "lakehouse.ml.report, lakehouse.config.ml_spec")
    subprocess.run([sys.executable, "-c", code], check=True)
