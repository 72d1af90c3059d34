"""Explaining malformed landing records (no Spark)."""

from __future__ import annotations

from lakehouse.sources.malformed import csv_problem, json_problem, locate_lines


def test_csv_problems() -> None:
    assert csv_problem("1,2,3,4", 3).rule == "malformed:too_many_fields"
    assert csv_problem("1,2", 3).detail == "2 fields, the header has 3 (too few)"
    assert csv_problem('1,"a,b', 3).rule == "malformed:unterminated_quote"
    assert csv_problem('1,"a ""x"" b",2,3', 3).rule == "malformed:too_many_fields"
    assert csv_problem("1;2;3;4", 3, sep=";").rule == "malformed:too_many_fields"


def test_json_problem() -> None:
    problem = json_problem('{"a": 1, ')
    assert problem.rule == "malformed:invalid_json" and "not valid JSON" in problem.detail


def test_locate_lines_in_order_and_repeats() -> None:
    text = "h\nbad\nok\nbad\nx,bad\n"
    assert locate_lines(text, ["bad", "bad", "missing"]) == [2, 4, None]
    assert locate_lines("h\r\nrow\r\n", ["row"]) == [2]
