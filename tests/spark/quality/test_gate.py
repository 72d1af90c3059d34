"""The one-pass gate on a real local Spark session: exact quarantine, accounting, thresholds."""

from __future__ import annotations

from datetime import datetime

import pytest

from lakehouse.config.quality_spec import GateRules
from lakehouse.errors import QualityGateError
from lakehouse.quality import GateContext, run_gate

pytestmark = pytest.mark.spark

SCHEMA = "id int, origin string, distance double, dep_time int, carrier string, dest string, ts timestamp"
RULES = [
    {"name": "distance_positive", "rule": "expression", "expr": "distance > 0"},
    {"name": "origin_nyc", "rule": "in_set", "column": "origin", "values": ["EWR", "JFK", "LGA"]},
    {"name": "carrier_code", "rule": "regex", "column": "carrier", "pattern": "^[A-Z0-9]{2}$"},
    {"name": "carrier_len", "rule": "length", "column": "carrier", "min": 2, "max": 2},
    {"name": "distance_range", "rule": "between", "column": "distance", "max": 5000},
    {"name": "dep_time_present", "rule": "not_null", "column": "dep_time", "severity": "warn"},
    {"name": "dest_known", "rule": "references", "column": "dest", "dataset": "airports",
     "ref_column": "faa", "severity": "warn"},
    {"name": "id_unique", "rule": "unique", "column": "id"},
    {"name": "not_empty", "rule": "row_count", "min": 1},
    {"name": "fresh", "rule": "freshness", "column": "ts", "max_age": "2d"},
    {"name": "distance_drift", "rule": "drift", "column": "distance"},
]


def _rows(n: int = 60) -> list[tuple]:
    ts = datetime(2026, 1, 1, 10)
    rows = [(i, "JFK", 100.0 + i, 900, "AA", "LAX" if i % 2 else "ORD", ts) for i in range(n)]
    rows[3] = (3, "JFK", -5.0, 900, "AA", "LAX", ts)          # distance_positive
    rows[7] = (7, "BOS", 10.0, 900, "a", "LAX", ts)           # origin_nyc, carrier_code, len
    rows[11] = (11, "LGA", 9000.0, None, "UA", "LAX", ts)     # distance_range (+ warn dep_time)
    rows[12] = (12, "LGA", 50.0, None, "UA", "XXX", ts)       # warnings only: stays
    rows[20] = (19, "EWR", 80.0, 900, "B6", "ORD", ts)        # duplicate id 19 (two rows)
    return rows


@pytest.fixture
def frames(spark):
    df = spark.createDataFrame(_rows(), SCHEMA)
    airports = spark.createDataFrame([("LAX",), ("ORD",)], "faa string")
    return df, airports


def _gate(df, airports, rules=RULES, **ctx):
    context = GateContext(references={"airports": airports}, now=datetime(2026, 1, 2),
                          **ctx)
    return run_gate(df, rules=GateRules.model_validate(rules), gate="raw_to_curated",
                    dataset="flights", run_id="run-1", context=context)


def test_exactly_the_bad_rows_are_quarantined_with_their_rules(frames) -> None:
    df, airports = frames
    out = _gate(df, airports)
    try:
        got = {r["id"]: (sorted(r["_failed_rules"]), r["_gate"], r["_run_id"])
               for r in out.quarantined.collect()}
        assert got == {
            3: (["distance_positive"], "raw_to_curated", "run-1"),
            7: (["carrier_code", "carrier_len", "origin_nyc"], "raw_to_curated", "run-1"),
            11: (["distance_range"], "raw_to_curated", "run-1"),
            19: (["id_unique"], "raw_to_curated", "run-1"),
        }
        assert out.quarantined.where("id = 19").count() == 2
        passed = out.passed
        assert passed.columns == df.columns                      # original columns only
        assert out.total == 60 and out.quarantined_count == 5 and out.passed_count == 55
        assert passed.count() + out.quarantined.count() == df.count()
        assert out.warnings == {"dep_time_present": 2, "dest_known": 1}
        assert passed.where("id = 12").count() == 1              # warnings do not quarantine
        reason = out.quarantined.where("id = 3").first()["_reason"]
        assert reason == "distance_positive: not (distance > 0)"
        assert not out.blocked
        results = {r.name: r for r in out.results}
        assert results["fresh"].status == "passed" and results["not_empty"].status == "passed"
        assert results["distance_positive"].samples[0]["id"] == 3
    finally:
        out.release()


def _jobs(spark, group: str, action) -> int:
    sc = spark.sparkContext
    sc.setJobGroup(group, group)
    try:
        action()
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
    return len(sc.statusTracker().getJobIdsForGroup(group))


def test_one_pass_the_number_of_spark_jobs_does_not_grow_with_rules(spark, frames) -> None:
    df, airports = frames
    few = RULES[:2]
    counts = {}
    for name, rules in (("few", few), ("many", RULES)):
        outcomes = []
        counts[name] = _jobs(spark, f"gate-{name}-{id(rules)}",
                             lambda r=rules: outcomes.append(_gate(df, airports, r, sample_rows=0)))
        outcomes[0].release()
    # one aggregation for all counts; the broadcast of reference keys may add one job
    assert counts["few"] <= 2 and counts["many"] <= 3, counts


def test_fail_rule_within_threshold_quarantines_and_beyond_blocks(frames) -> None:
    df, airports = frames
    tolerant = [{"name": "distance_positive", "rule": "expression", "expr": "distance > 0",
                 "severity": "fail", "threshold": {"max_count": 1}}]
    out = _gate(df, airports, tolerant)
    assert not out.blocked and out.quarantined_count == 1
    out.raise_if_blocked()
    out.release()
    strict = [{**tolerant[0], "threshold": {"max_ratio": 0.0}},
              {"name": "origin_nyc", "rule": "in_set", "column": "origin", "values": ["JFK"],
               "severity": "fail", "threshold": {"max_ratio": 0.5}}]
    out = _gate(df, airports, strict)
    assert out.blocked
    with pytest.raises(QualityGateError) as info:
        out.raise_if_blocked()
    text = str(info.value)
    assert info.value.exit_code == 3
    assert "distance_positive" in text and "1 of 60 rows" in text and "id=3" in text
    assert "origin_nyc" not in text.split("hint:")[0]        # within its 50% threshold
    out.release()


def test_dataset_rules_block_without_touching_rows(frames) -> None:
    df, airports = frames
    rules = [{"name": "enough", "rule": "row_count", "min": 1000},
             {"name": "fresh", "rule": "freshness", "column": "ts", "max_age": "1h",
              "severity": "fail"}]
    out = _gate(df, airports, rules)
    assert out.blocked and out.quarantined_count == 0
    blocking = {r.name for r in out.results if r.blocking}
    assert blocking == {"enough", "fresh"}
    out.release()


def test_type_castable_and_compound_unique(spark) -> None:
    df = spark.createDataFrame([("1", "a"), ("x", "a"), ("2", "b"), ("2", "b"), (None, "c")],
                               "n string, k string")
    out = run_gate(df, rules=[
        *GateRules.model_validate([
            {"name": "n_int", "rule": "type_castable", "column": "n", "type": "int"},
            {"name": "nk", "rule": "compound_unique", "columns": ["n", "k"]}]).raw_to_curated],
        gate="raw_to_curated", dataset="t", context=GateContext(cache=False))
    got = sorted((r["n"] or "", tuple(r["_failed_rules"])) for r in out.quarantined.collect())
    assert got == [("2", ("nk",)), ("2", ("nk",)), ("x", ("n_int",))]


def test_missing_reference_table_skips_the_rule(spark) -> None:
    df = spark.createDataFrame([("ZZZ",)], "dest string")
    rules = GateRules.model_validate([{"name": "known", "rule": "references", "column": "dest",
                                       "dataset": "airports"}])
    out = run_gate(df, rules=rules, gate="raw_to_curated", dataset="t",
                   context=GateContext(cache=False))
    assert out.results[0].status == "skipped" and out.quarantined_count == 0


def test_reference_keys_with_quotes_and_backslashes(spark) -> None:
    df = spark.createDataFrame([("O'Hare",), ("a\\b",), ("nope",), (None,)], "dest string")
    ref = spark.createDataFrame([("O'Hare",), ("a\\b",), (None,)], "code string")
    rules = GateRules.model_validate([{"name": "known", "rule": "references", "column": "dest",
                                       "dataset": "ref", "ref_column": "code"}])
    out = run_gate(df, rules=rules, gate="raw_to_curated", dataset="t",
                   context=GateContext(references={"ref": ref}))
    assert [r["dest"] for r in out.quarantined.collect()] == ["nope"]   # null passes
    assert out.passed.count() == 3
