"""DQDL rules compiled for the one-pass gate (Spark-free): levels, severities, conditions, history."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakehouse.config import load_project
from lakehouse.errors import ConfigError
from lakehouse.quality.dqdl import conditions as C
from lakehouse.quality.dqdl import parse
from lakehouse.quality.dqdl.compile import UNSUPPORTED, Unsupported, compile_ruleset

NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[4]


def _checks(text: str, columns=("a", "b", "c")):
    return compile_ruleset(parse(text), columns=list(columns), now=NOW)


def _cond(text: str):
    return parse(f"Rules = [ RowCount {text} ]").rules[0].condition  # type: ignore[union-attr]


def test_levels_and_severities_follow_the_documented_semantics() -> None:
    checks = _checks('''Rules = [ IsComplete "a", Completeness "a" > 0.9, RowCount > 1,
        ColumnValues "b" in [1, 2] with threshold > 0.5, (IsComplete "a") and (IsUnique "b"),
        (IsComplete "a") or (RowCount > 3) ]''')
    got = [(c.name, c.level, c.severity) for c in checks]
    assert got == [("Rule_1", "row", "quarantine"), ("Rule_2", "row", "fail"),
                   ("Rule_3", "dataset", "fail"), ("Rule_4", "row", "fail"),
                   ("Rule_5", "row", "quarantine"), ("Rule_6", "dataset", "fail")]
    assert checks[0].violation == "`a` IS NULL"
    assert checks[4].violation.count(" OR ") == 1 and "PARTITION BY `b`" in checks[4].violation


def test_where_scopes_the_violation_and_the_aggregates() -> None:
    check = _checks('Rules = [ ColumnValues "b" > 3 where "c = \'x\'" ]')[0]
    assert check.violation.startswith("coalesce((c = 'x'), false) AND ")
    assert all("coalesce((c = 'x'), false)" in sql for sql in check.aggregates.values())
    assert check.aggregates["__lh_dq1_1"] == "max(CASE WHEN coalesce((c = 'x'), false) THEN `b` END)"


@pytest.mark.parametrize(("cond", "value", "expected"), [
    ("> 3", 4.0, True), ("> 3", 3.0, False), (">= 3", 3.0, True), ("= 2", 2.0, True),
    ("!= 2", 2.0, False), ("between 1 and 5", 5.0, False), ("between 1 and 5", 1.5, True),
    ("not between 1 and 5", 5.0, True), ("in [1, 2, 3]", 2.0, True), ("not in [1, 2]", 2.0, False),
])
def test_metric_conditions(cond: str, value: float, expected: bool) -> None:
    assert C.holds(_cond(cond), value) is expected


def test_a_null_metric_satisfies_nothing() -> None:
    assert C.holds(_cond("> 0"), None) is False
    assert C.holds(_cond("< 0"), float("nan")) is False


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=12), st.integers(1, 15))
def test_dynamic_functions_read_the_newest_k_values(history: list[float], k: int) -> None:
    window = history[:k]
    assert C.number(_cond(f"> avg(last({k}))").operands[0], history) == \
        pytest.approx(sum(window) / len(window))
    assert C.number(_cond(f"> max(last({k}))").operands[0], history) == max(window)
    assert C.number(_cond("> last(1) * 2").operands[0], history) == history[0] * 2


def test_dynamic_rule_without_history_passes_and_says_so() -> None:
    check = _checks("Rules = [ RowCount > avg(last(10)) ]")[0]
    ok, metrics, message = check.verdict({"__lh_dq1_1": 5}, {})
    assert ok and metrics == {"Dataset.*.RowCount": 5.0} and "no history" in message
    ok, _, _ = check.verdict({"__lh_dq1_1": 5}, {"Dataset.*.RowCount": [10.0, 20.0]})
    assert not ok


def test_row_value_sql_keeps_dqdl_null_semantics() -> None:
    def sql(text: str) -> str:
        cond = parse(f'Rules = [ ColumnValues "a" {text} ]').rules[0].condition  # type: ignore[union-attr]
        return C.passes_sql("`a`", cond, now=NOW, constants={})
    assert sql("> 3") == "coalesce((`a` > 3), false)"                  # NULL fails
    assert sql("!= 3") == "NOT coalesce((`a` = 3), false)"             # NULL passes
    assert sql('in ["x", NULL]') == "coalesce((`a` IS NULL OR `a` IN ('x')), false)"
    assert sql('matches "[A-Z]+"') == "coalesce((`a` RLIKE '^(?:[A-Z]+)$'), false)"
    assert sql("> (now() - 1 days)") == "coalesce((`a` > TIMESTAMP'2026-01-01 12:00:00'), false)"
    assert sql("between 1 and 2.5") == "coalesce((`a` > 1 AND `a` < 2.5D), false)"


@pytest.mark.parametrize(("rule", "why"), [
    ('CustomSql "select count(*) from primary" > 0 with threshold > 0.5',
     "a condition and `with threshold` together"),
    ('DetectAnomalies "ColumnLength" "a"', "the local detector watches"),
    ('FileMatch "drop/x.csv" > 3', "give a second path, or `in [checksums]`"),
    ('FileMatch "drop/x.csv" in ["ab"] with hashAlgorithm = "CRC32"', "hashAlgorithm 'CRC32'"),
    ('FileFreshness "drop/" > "yesterday"', "is not a date, a date and time or a time of day"),
])
def test_forms_the_engine_cannot_decide_say_why_with_the_line(rule: str, why: str) -> None:
    assert UNSUPPORTED == {}  # every rule type evaluates; some forms of them do not
    with pytest.raises(Unsupported) as err:
        _checks(f"Rules = [\n  IsComplete \"a\",\n  {rule}\n]")
    assert err.value.pos.line == 3 and why in str(err.value)


def test_loader_attaches_the_ruleset_beside_the_contract(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    (conf / "datasets" / "planes.dqdl").write_text('Rules = [ IsComplete "tailnum" ]\n')
    project = load_project(conf)
    source = project.datasets["planes"].rules.dqdl_for("raw_to_curated")
    assert source is not None and source.file.endswith("planes.dqdl") and "tailnum" in source.text
    assert project.datasets["planes"].rules.dqdl_for("curated_to_exportable") is None
    assert project.datasets["flights"].rules.dqdl is None
    (conf / "datasets" / "nothing.dqdl").write_text("Rules = [ RowCount > 0 ]\n")
    with pytest.raises(ConfigError, match=r"no contract nothing\.yaml"):
        load_project(conf)


def test_every_published_example_compiles_or_says_why_not() -> None:
    """The rule type reference's examples (verbatim, tests/unit/quality/dqdl/examples.py) that
    Glue accepts either compile for the one pass or name a type of UNSUPPORTED (or a form)."""
    from lakehouse.quality.dqdl.validate import validate
    from tests.unit.quality.dqdl.examples import EXAMPLES

    compiled, refused = 0, set()
    for example in EXAMPLES:
        if example.syntax_error is not None:
            continue
        ruleset = parse(example.document)
        if not ruleset.rules or any(p.kind in ("invalid", "not_glue", "unknown_rule_type")
                                    for p in validate(ruleset)):
            continue
        try:
            compile_ruleset(ruleset, columns=["a"], now=NOW)
            compiled += 1
        except Unsupported as exc:
            refused.add(exc.rule_type)
    assert compiled >= 130
    # forms: CustomSql with a condition and a threshold; DetectAnomalies of a type it does not watch
    assert refused <= set(UNSUPPORTED) | {"CustomSql", "DetectAnomalies"}


def test_aggregate_match_and_dataset_match_compile_with_their_extra_jobs() -> None:
    agg, ref_agg, match, all_cols = _checks('''Rules = [ AggregateMatch "sum(a)" "sum(b)" = 1.0,
        AggregateMatch "avg(a)" "avg(ref.a)" >= 0.9, DatasetMatch "ref" "a->x" "b->y" >= 0.9,
        DatasetMatch "ref" "a" = 1 ]''')
    assert not agg.externals and sorted(agg.aggregates.values()) == [
        "sum(CAST(`a` AS DOUBLE))", "sum(CAST(`b` AS DOUBLE))"]
    a, b = sorted(agg.aggregates)
    ok, metrics, _ = agg.verdict({a: 6.0, b: 3.0}, {})
    assert not ok and metrics == {"Column.a,b.AggregateMatch": 2.0}
    assert list(ref_agg.externals.values()) == [("aggregate", "ref", "avg", "a")]
    (mine,), (theirs,) = ref_agg.aggregates, ref_agg.externals
    ok, metrics, _ = ref_agg.verdict({mine: 9.0, theirs: 10.0}, {})
    assert ok and metrics == {"Column.a.AggregateMatch": 0.9}
    assert list(match.externals.values()) == [("dataset_match", "ref", "a->x", "b->y")]
    assert list(all_cols.externals.values()) == [("dataset_match", "ref", "a->a", "b->b,c->c")]
    (alias,) = match.externals
    assert match.verdict({alias: 0.8}, {})[:2] == (False, {"Dataset.ref.DatasetMatch": 0.8})
    assert match.level == "dataset" and match.severity == "fail"


def test_custom_sql_row_level_form_is_a_flag_joined_back() -> None:
    plain, threshold = _checks('''Rules = [ CustomSql "select a from primary where b > 0",
        CustomSql "select a from primary where b > 0" with threshold > 0.5 ]''')
    (flag, sql), = plain.joins.items()
    assert sql == "select a from primary where b > 0" and plain.violation == f"NOT coalesce(`{flag}`, false)"
    assert (plain.level, plain.severity, threshold.severity) == ("row", "quarantine", "fail")
    alias = next(a for a, s in threshold.aggregates.items() if s == "count(1)")
    row = {alias: 10, f"__lh_fail:{threshold.name}": 4}
    assert threshold.verdict(row, {}) == (True, {"Dataset.*.CustomSQL.Compliance": 0.6}, "")
    with pytest.raises(Unsupported, match="condition and `with threshold`"):
        _checks('Rules = [ CustomSql "select count(*) from primary" > 0 with threshold > 0.5 ]')


def test_detect_anomalies_is_the_documented_local_detector_over_the_history() -> None:
    rows, comp = _checks('Rules = [ DetectAnomalies "RowCount", DetectAnomalies "Completeness" "a" ]')
    assert (comp.level, comp.violation, comp.primaries) == ("dataset", None, ("Column.a.Completeness",))
    (alias,) = rows.aggregates
    past = {"Dataset.*.RowCount": [10.0, 11.0, 12.0, 10.0, *[11.0] * 6, *[500.0] * 20]}  # last 10
    ok, metrics, message = rows.verdict({alias: 100}, past)
    assert not ok and metrics == {"Dataset.*.RowCount": 100.0} and "outside" in message
    assert rows.verdict({alias: 11}, {"Dataset.*.RowCount": [10.0, 11.0, 12.0, 10.0]})[0]
    assert rows.verdict({alias: 10**6}, {"Dataset.*.RowCount": [10.0, 11.0]})[0]   # < 3 values
    with pytest.raises(Unsupported, match="local detector watches"):
        _checks('Rules = [ DetectAnomalies "ColumnLength" "a" ]')
