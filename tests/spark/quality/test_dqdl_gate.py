"""DQDL rulesets in the one-pass gate, on real local Spark: Glue's metrics, quarantine, block."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from lakehouse.config.quality_spec import DqdlSource, GateRules
from lakehouse.errors import ConfigError, DqdlSyntaxError
from lakehouse.quality import run_gate
from lakehouse.quality.dqdl_gate import results

pytestmark = pytest.mark.spark

SCHEMA = "id int, origin string, distance double, carrier string, ts timestamp"
NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)


def _rows() -> list[tuple]:
    ts = datetime(2026, 1, 2, 10)
    rows = [(i, "JFK", 100.0 + i, "AA", ts) for i in range(20)]
    rows[3] = (3, "BOS", 100.0, "AA", ts)            # origin not NYC
    rows[5] = (5, "LGA", 100.0, None, ts)            # carrier NULL
    rows[8] = (7, "EWR", 100.0, "AAA", datetime(2025, 1, 1))  # duplicate id 7, long carrier, stale
    return rows


def _gate(spark, text: str, *, yaml=(), now=NOW):
    rules = GateRules(raw_to_curated=list(yaml), dqdl=DqdlSource(file="flights.dqdl", text=text))
    df = spark.createDataFrame(_rows(), SCHEMA)
    return run_gate(df, rules=rules, gate="raw_to_curated", dataset="flights", run_id="r1",
                    context=__import__("lakehouse.quality", fromlist=["GateContext"]).GateContext(
                        spark=spark, now=now))


def _by_name(outcome):
    return {r.name: r for r in outcome.results}


def test_metrics_and_verdicts_have_glue_names_and_values(spark) -> None:
    text = """Rules = [
        IsComplete "carrier",
        Completeness "carrier" > 0.9,
        IsUnique "id",
        Uniqueness "id" > 0.95,
        DistinctValuesCount "origin" = 4,
        RowCount = 20,
        ColumnCount = 5,
        ColumnExists "ts",
        Mean "distance" between 100 and 120,
        StandardDeviation "distance" < 10,
        Sum "distance" > 0,
        Entropy "origin" > 0,
        UniqueValueRatio "origin" = 0.75,
        ColumnLength "carrier" <= 2,
        ColumnNamesMatchPattern "[a-z]+",
        CustomSql "select max(distance) from primary" = 119
    ]"""
    out = _gate(spark, text)
    res = _by_name(out)
    m = {name: r.observed["current"] for name, r in res.items()}
    assert m["Rule_1"] == {"Column.carrier.Completeness": pytest.approx(0.95)}
    assert res["Rule_1"].status == "failed" and res["Rule_1"].failing == 1
    assert res["Rule_2"].status == "passed"
    # id 7 twice: 18 of 20 values occur once
    assert m["Rule_3"]["Column.id.Uniqueness"] == pytest.approx(0.9)
    assert res["Rule_3"].failing == 2 and res["Rule_4"].status == "failed"
    assert m["Rule_5"] == {"Column.origin.DistinctValuesCount": 4.0}
    assert res["Rule_6"].status == "passed" and res["Rule_7"].status == "passed"
    assert res["Rule_8"].status == "passed"
    distances = [r[2] for r in _rows()]
    mean = sum(distances) / 20
    assert m["Rule_9"]["Column.distance.Mean"] == pytest.approx(mean)
    pop_std = math.sqrt(sum((d - mean) ** 2 for d in distances) / 20)
    assert m["Rule_10"]["Column.distance.StandardDeviation"] == pytest.approx(pop_std)
    counts = {"JFK": 17, "BOS": 1, "LGA": 1, "EWR": 1}
    entropy = -sum(c / 20 * math.log(c / 20) for c in counts.values())
    assert m["Rule_12"]["Column.origin.Entropy"] == pytest.approx(entropy)
    assert m["Rule_13"]["Column.origin.UniqueValueRatio"] == pytest.approx(0.75)
    assert m["Rule_14"]["Column.carrier.MaximumLength"] == 3.0
    assert res["Rule_14"].failing == 1 and res["Rule_15"].status == "passed"
    assert m["Rule_16"] == {"Dataset.*.CustomSQL": 119.0} and res["Rule_16"].status == "passed"


def test_row_level_failures_quarantine_and_dataset_failures_block(spark) -> None:
    text = """Rules = [
        ColumnValues "origin" in ["JFK", "LGA", "EWR"],
        (IsComplete "carrier") and (ColumnLength "carrier" = 2),
        DataFreshness "ts" <= 24 hours
    ]"""
    out = _gate(spark, text)
    assert not out.blocked
    quarantined = {r["id"]: r["_failed_rules"] for r in out.quarantined.collect()}
    assert quarantined == {3: ["Rule_1"], 5: ["Rule_2"], 7: ["Rule_2", "Rule_3"]}
    assert out.total == 20 and out.passed.count() + out.quarantined_count == 20
    assert _by_name(out)["Rule_1"].status == "failed"   # reported FAIL, rows quarantined

    blocked = _gate(spark, 'Rules = [ RowCount > 100, ColumnValues "origin" = "JFK" ]')
    assert blocked.blocked
    assert [r.name for r in blocked.results if r.blocking] == ["Rule_1"]


def test_where_threshold_composite_and_dynamic_rule(spark, tmp_path) -> None:
    text = """Rules = [
        ColumnValues "origin" = "JFK" where "distance >= 100" with threshold > 0.8,
        ColumnValues "origin" = "JFK" with threshold > 0.9,
        (RowCount > 5) or (IsComplete "carrier"),
        RowCount > avg(last(3)) * 0.5
    ]"""
    out = _gate(spark, text)
    res = _by_name(out)
    assert res["Rule_1"].observed["current"]["Column.origin.ColumnValues.Compliance"] == \
        pytest.approx(17 / 20)
    assert res["Rule_1"].status == "passed" and res["Rule_2"].status == "failed"
    assert res["Rule_2"].blocking and out.blocked           # threshold not met: blocks
    assert res["Rule_3"].status == "passed" and res["Rule_3"].level == "dataset"
    assert res["Rule_4"].status == "passed" and "no history" in res["Rule_4"].description

    # the dynamic rule against a history of row counts
    from lakehouse.quality.dqdl import parse
    from lakehouse.quality.dqdl.compile import compile_ruleset

    check = compile_ruleset(parse("Rules = [ RowCount > avg(last(3)) * 0.5 ]"),
                            columns=["id"], now=NOW)[0]
    row = {"__lh_dq1_1": 20}
    low = results([check], row, total=20, history={"Rule_1": {"Dataset.*.RowCount": [30, 30, 10, 500]}})
    high = results([check], row, total=20, history={"Rule_1": {"Dataset.*.RowCount": [60, 60]}})
    assert low[0].status == "passed" and high[0].status == "failed"


def test_errors_name_line_and_column(spark) -> None:
    with pytest.raises(DqdlSyntaxError) as syntax:
        _gate(spark, 'Rules = [\n  IsComplete "id",\n  RowCount >\n]')
    assert syntax.value.line == 4
    with pytest.raises(ConfigError) as unsupported:
        _gate(spark, 'Rules = [\n  IsComplete "id",\n  DetectAnomalies "ColumnLength" "carrier"\n]')
    assert "line 3" in str(unsupported.value) and "DetectAnomalies" in str(unsupported.value)
    with pytest.raises(ConfigError) as no_files:  # the batch has no _source_file column
        _gate(spark, 'Rules = [ IsComplete "id", FileSize > 1 MB ]')
    assert "Rule_2 (FileSize > 1 MB)" in str(no_files.value)
    assert "_source_file" in str(no_files.value)
    with pytest.raises(ConfigError) as unknown:
        _gate(spark, 'Rules = [ IsComplete "idd" ]')
    assert "did you mean 'id'" in str(unknown.value)
    with pytest.raises(ConfigError) as where:
        _gate(spark, 'Rules = [ IsComplete "id", RowCount > 1 where "distanc > 0" ]')
    assert "Rule_2 (RowCount > 1 where" in str(where.value) and "distanc" in str(where.value)


def _run(spark, rows, schema: str, text: str):
    from lakehouse.quality import GateContext

    rules = GateRules(dqdl=DqdlSource(file="page.dqdl", text=text))
    return run_gate(spark.createDataFrame(rows, schema), rules=rules, gate="raw_to_curated",
                    dataset="page", context=GateContext(spark=spark, now=NOW))


def test_outcomes_the_reference_pages_describe(spark) -> None:
    # StandardDeviation page: the population deviation of 0, 20, 40 is 16.33
    out = _run(spark, [(0,), (20,), (40,)], "colA int", 'Rules = [ StandardDeviation "colA" < 16.34,'
               ' StandardDeviation "colA" > 16.33 ]')
    res = _by_name(out)
    assert res["Rule_1"].observed["current"]["Column.colA.StandardDeviation"] == \
        pytest.approx(16.3299, abs=1e-4)
    assert (res["Rule_1"].status, res["Rule_2"].status) == ("passed", "failed")
    # DQDL reference, "How composite rules work": each part is evaluated on the whole column,
    # then the operator applies: both parts fail, so the rule fails, though each row passes a part
    out = _run(spark, [(2, 1), (0, 3)], "myCol1 int, myCol2 int",
               'Rules = [ (ColumnValues "myCol1" > 1) OR (ColumnValues "myCol2" > 2) ]')
    (result,) = out.results
    assert result.status == "failed" and result.failing == 0 and out.quarantined_count == 0
    # DataFreshness page: rows older than the window fail; between two durations
    ts = [datetime(2026, 1, 2, 11), datetime(2025, 12, 30, 12), datetime(2025, 12, 20)]
    out = _run(spark, [(t,) for t in ts], "Order_Date timestamp",
               'Rules = [ DataFreshness "Order_Date" <= 24 hours,'
               ' DataFreshness "Order_Date" between 2 days and 5 days ]')
    res = _by_name(out)
    assert (res["Rule_1"].failing, res["Rule_2"].failing) == (2, 2)
    assert res["Rule_1"].observed["current"]["Column.Order_Date.DataFreshness.Compliance"] == \
        pytest.approx(1 / 3)


def test_custom_sql_row_level_form_passes_the_rows_the_statement_returns(spark) -> None:
    """Glue joins the statement's rows back on the columns it selects: a row whose selected
    values are returned passes (the duplicate id 7 passes through its twin), others fail."""
    out = _gate(spark, """Rules = [
        CustomSql "select id from primary where distance > 100",
        CustomSql "select id, origin from primary where origin = 'JFK'" with threshold > 0.8
    ]""")
    assert not out.blocked
    quarantined = {r["id"]: r["_failed_rules"] for r in out.quarantined.collect()}
    # a row failing the threshold form is quarantined too, as for ColumnValues with threshold
    assert quarantined == {0: ["Rule_1"], 3: ["Rule_1", "Rule_2"], 5: ["Rule_1", "Rule_2"],
                           7: ["Rule_2"]}
    assert out.passed.count() + out.quarantined_count == 20 and "Rule_1" not in out.passed.columns
    rule1, rule2 = _by_name(out)["Rule_1"], _by_name(out)["Rule_2"]
    assert (rule1.status, rule1.failing) == ("failed", 3)
    assert rule1.observed["current"]["Dataset.*.CustomSQL.Compliance"] == pytest.approx(17 / 20)
    assert (rule2.status, rule2.failing) == ("passed", 3)   # 3 of 20 not JFK: 0.85 > 0.8

    strict = _gate(spark, 'Rules = [ CustomSql "select id, origin from primary'
                          ' where origin = \'JFK\'" with threshold > 0.9 ]')
    assert strict.blocked and [r.name for r in strict.results if r.blocking] == ["Rule_1"]
    assert strict.results[0].observed["current"] == {"Dataset.*.CustomSQL.Compliance": 0.85}

    with pytest.raises(ConfigError, match=r"Rule_1 .*not columns of primary"):
        _gate(spark, 'Rules = [ CustomSql "select id + 1 as next from primary" ]')


def test_detect_anomalies_computes_the_metric_and_judges_it_against_its_history(spark) -> None:
    out = _gate(spark, 'Rules = [ DetectAnomalies "Completeness" "carrier" ]')
    (res,) = out.results
    assert res.observed["current"] == {"Column.carrier.Completeness": pytest.approx(19 / 20)}
    assert res.status == "passed" and "needs 3" in res.description and res.level == "dataset"
    assert out.quarantined_count == 0                       # not row-level: the NULL row stays

    check = out.rules[0]
    row = out._annotated.agg(*[__import__("pyspark.sql.functions", fromlist=["expr"]).expr(s).alias(a)
                               for a, s in check.aggregates.items()]).first().asDict()
    steady = {"Rule_1": {"Column.carrier.Completeness": [0.95, 0.96, 0.94, 0.95]}}
    shifted = {"Rule_1": {"Column.carrier.Completeness": [1.0, 1.0, 0.999, 1.0]}}
    assert results([check], row, total=20, history=steady)[0].status == "passed"
    failed = results([check], row, total=20, history=shifted)[0]
    assert failed.status == "failed" and failed.blocking and "outside" in failed.description
