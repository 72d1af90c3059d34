"""`lakehouse quality export-dqdl` through click's runner, on the repository's conf/."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from lakehouse.cli.quality import command
from lakehouse.quality.dqdl import parse
from lakehouse.quality.dqdl.rules import dqdl_to_rules

CONF = Path(__file__).resolve().parents[4] / "conf"


def run(*args):
    return CliRunner().invoke(command, ["export-dqdl", *args, "--conf", str(CONF)])


def test_prints_each_gate():
    result = run("planes")
    assert result.exit_code == 0, result.output + result.stderr
    first, second = result.stdout.split("# planes / curated_to_exportable\n")
    assert first.startswith("# planes / raw_to_curated\n")
    assert [r.name for r in dqdl_to_rules(parse(first))] == [
        "seats_positive", "year_plausible", "engines_range"]
    assert [r.name for r in dqdl_to_rules(parse(second))] == ["tailnum_unique"]
    assert result.stderr == ""
    page = (CONF.parent / "docs" / "quality-dqdl.md").read_text(encoding="utf-8")
    assert f"```\n{first.rstrip()}\n```" in page, "docs/quality-dqdl.md shows this output"


def test_unmappable_rules_fail_unless_skipped(tmp_path):
    result = run("flights", "--gate", "raw_to_curated")
    assert result.exit_code == 1 and result.stdout == ""
    assert "'dest_known' (references)" in result.stderr
    assert "'too_many_bad_delays' (between)" in result.stderr
    assert "--skip-unmappable" in result.stderr

    out = tmp_path / "flights.dqdl"
    result = run("flights", "--gate", "raw_to_curated", "--skip-unmappable", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    names = [r.name for r in dqdl_to_rules(parse(out.read_text()))]
    assert "month_valid" in names and "dest_known" not in names
    assert "'dest_known' (references)" in result.stderr


def test_out_with_several_gates_writes_one_file_per_gate(tmp_path):
    result = run("airports", "--out", str(tmp_path / "airports.dqdl"))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "airports.curated_to_exportable.dqdl", "airports.raw_to_curated.dqdl"]


def test_help_has_an_example():
    result = CliRunner().invoke(command, ["export-dqdl", "--help"])
    assert result.exit_code == 0
    assert "lakehouse quality export-dqdl flights" in result.output


def test_a_gate_without_rules_says_so():
    result = run("airports", "--gate", "raw_to_curated", "--skip-unmappable")
    assert result.exit_code == 0 and result.stdout.startswith("# airports / raw_to_curated")
    result = run("weather", "--gate", "curated_to_exportable")
    assert result.exit_code == 0 and result.stdout == ""
    assert "weather has no rule with a DQDL form at curated_to_exportable" in result.stderr
