"""Schema diff and policies."""

from __future__ import annotations

import pytest

from lakehouse.catalog import Column
from lakehouse.catalog.schema import diff_schemas, enforce
from lakehouse.errors import SchemaError

OLD = [Column("id", "int"), Column("city", "string"), Column("distance", "double")]


def test_additive_accepts_new_columns():
    diff = enforce(OLD, [*OLD, Column("note", "string")], policy="additive", table="db.t")
    assert [c.name for c in diff.added] == ["note"]
    assert diff.changed


def test_additive_rejects_type_change_with_readable_diff():
    new = [Column("id", "bigint"), Column("city", "string"), Column("distance", "double")]
    with pytest.raises(SchemaError) as err:
        enforce(OLD, new, policy="additive", table="db.t", source="landing/x.csv")
    text = str(err.value)
    assert "id: int  ->  bigint   (type changed)" in text
    assert "db.t" in text and "landing/x.csv" in text and "hint:" in text


def test_rename_reported_and_breaking():
    new = [Column("id", "int"), Column("town", "string"), Column("distance", "double")]
    diff = diff_schemas(OLD, new)
    assert diff.breaking("additive")
    assert "city string  ->  town string   (renamed?)" in diff.render()
    assert "(dropped)" not in diff.render()


def test_drop_is_breaking_except_permissive():
    new = OLD[:2]
    assert diff_schemas(OLD, new).breaking("additive")
    assert not diff_schemas(OLD, new).breaking("permissive")
    with pytest.raises(SchemaError, match="distance double   \\(dropped\\)"):
        enforce(OLD, new, policy="additive", table="db.t")


def test_strict_rejects_any_change_but_not_a_new_order():
    assert diff_schemas(OLD, [*OLD, Column("x", "int")]).breaking("strict")
    reordered = diff_schemas(OLD, list(reversed(OLD)))
    assert reordered.reordered and not reordered.breaking("strict")
    assert "different order (not a change)" in reordered.render()
    assert not diff_schemas(OLD, OLD).breaking("strict")


def test_case_insensitive_names():
    assert not diff_schemas(OLD, [Column("ID", "int"), *OLD[1:]]).changed


def test_unknown_policy_is_invalid_input():
    from lakehouse.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="additive, strict, permissive"):
        diff_schemas(OLD, OLD).breaking("loose")
