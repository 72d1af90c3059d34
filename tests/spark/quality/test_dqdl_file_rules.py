"""DQDL file rules on real files: FileSize, FileFreshness, FileMatch, FileUniqueness.

Files are written to disk with chosen sizes, contents and modification times; each rule's
verdict and Glue metrics are checked against what those files make true, through the gate
(the batch's ``_source_file`` for the path-less form, a folder for the others).
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta

import pytest

from lakehouse.config.quality_spec import DqdlSource, GateRules
from lakehouse.quality import GateContext, run_gate

pytestmark = pytest.mark.spark

NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)


@pytest.fixture()
def drop(tmp_path):
    """A folder of four files: two equal small ones, a larger one and an old one."""
    folder = tmp_path / "drop"
    folder.mkdir()
    made = {"a.csv": b"id\n1\n", "b.csv": b"id\n1\n", "big.csv": b"id\n" + b"2\n" * 600,
            "old.dat": b"x" * 50}
    for name, data in made.items():
        (folder / name).write_bytes(data)
        when = NOW - (timedelta(days=30) if name == "old.dat" else timedelta(hours=1))
        os.utime(folder / name, (when.timestamp(), when.timestamp()))
    return folder, made


def _gate(spark, text: str, source_files: list[str]):
    rules = GateRules(dqdl=DqdlSource(file="drop.dqdl", text=text))
    df = spark.createDataFrame([(i, f) for i, f in enumerate(source_files)],
                               "id int, _source_file string")
    outcome = run_gate(df, rules=rules, gate="raw_to_curated", dataset="drop", run_id="r1",
                       context=GateContext(spark=spark, now=NOW))
    return {r.name: r for r in outcome.results}, outcome


def test_file_rules_decide_from_the_files_on_disk(spark, drop) -> None:
    folder, made = drop
    uri = folder.as_uri() + "/"
    sha_a = hashlib.sha256(made["a.csv"]).hexdigest()
    md5_big = hashlib.md5(made["big.csv"]).hexdigest()
    text = f"""Rules = [
        FileSize "{uri}" > 10 B,
        FileSize "{uri}" < 1 KB with threshold > 0.7,
        FileFreshness "{uri}" > (now() - 24 hours),
        FileFreshness "{uri}" > (now() - 24 hours) with threshold > 0.7,
        FileUniqueness "{uri}" = 1,
        FileUniqueness "{uri}" > 0.7,
        FileMatch "{uri}a.csv" in ["{sha_a}"],
        FileMatch "{uri}big.csv" in ["{md5_big}"] with hashAlgorithm = "MD5",
        FileMatch "{uri}big.csv" in ["{sha_a}"],
        FileSize "{uri}" > 5 B with uriRegex = "\\.csv$" with recentFiles = 1,
        FileSize > 1000 B
    ]"""
    found, outcome = _gate(spark, text, [(folder / "big.csv").as_uri(),
                                         (folder / "a.csv").as_uri()])
    sizes = sorted(len(d) for d in made.values())
    r1 = found["Rule_1"].observed["current"]
    assert (found["Rule_1"].status, r1["Dataset.*.FileCount"]) == ("failed", 4)   # a, b: 6 B
    assert r1["Dataset.*.FileSize.Compliance"] == pytest.approx(0.5)
    assert (r1["Dataset.*.MinimumFileSize"], r1["Dataset.*.MaximumFileSize"]) == (sizes[0], sizes[-1])
    assert found["Rule_2"].status == "passed"          # big.csv is over 1 KB: 3/4 = 0.75 > 0.7
    assert found["Rule_2"].observed["current"]["Dataset.*.FileSize.Compliance"] == 0.75
    assert found["Rule_3"].status == "failed"          # old.dat is 30 days old
    assert found["Rule_4"].status == "passed"          # 3 of 4 are fresh
    assert found["Rule_5"].status == "failed"          # a.csv and b.csv have the same content
    assert found["Rule_5"].observed["current"]["Dataset.*.FileUniquenessRatio"] == 0.75
    assert found["Rule_6"].status == "passed"
    assert [found[f"Rule_{i}"].status for i in (7, 8, 9)] == ["passed", "passed", "failed"]
    assert found["Rule_10"].observed["current"]["Dataset.*.FileCount"] == 1  # the newest .csv
    # no path: the files the batch came from (big.csv: 1203 B, a.csv: 6 B)
    assert found["Rule_11"].observed["current"]["Dataset.*.FileCount"] == 2
    assert found["Rule_11"].status == "failed"
    assert outcome.blocked  # file rules are dataset-level: a failure blocks


def test_a_missing_folder_fails_with_no_files_found(spark, tmp_path) -> None:
    found, _ = _gate(spark, f'Rules = [ FileSize "{(tmp_path / "none").as_uri()}/" > 1 B ]', ["x"])
    assert found["Rule_1"].status == "failed"
    assert "no files found" in found["Rule_1"].description
