"""Errors carry typed location fields (``Where``) rather than a free dict."""

from __future__ import annotations

import pytest

from lakehouse.errors import ConcurrentCommitError, QualityGateError, TableError, Where


def test_fields_are_typed_rendered_in_order_and_readable() -> None:
    err = ConcurrentCommitError("the commit lease was lost", table="s3://b/curated/t",
                                lock="locks-table", hint="re-run")
    assert err.where == Where(table="s3://b/curated/t", lock="locks-table")
    assert err.where.table == "s3://b/curated/t" and err.where.dataset is None
    assert str(err) == "[table=s3://b/curated/t, lock=locks-table] the commit lease was lost\n  hint: re-run"
    assert err.context == {"table": "s3://b/curated/t", "lock": "locks-table"}


def test_an_unknown_field_is_refused_at_the_raise_site() -> None:
    with pytest.raises(TypeError, match="tabel"):
        TableError("x", tabel="t")


def test_a_gate_error_names_dataset_gate_and_run() -> None:
    err = QualityGateError("2 rows failed not_null:id", dataset="flights", gate="raw_to_curated",
                           run_id="r1")
    assert (err.where.dataset, err.where.gate, err.where.run_id, err.exit_code) == \
        ("flights", "raw_to_curated", "r1", 3)
    assert str(err).startswith("[dataset=flights, gate=raw_to_curated, run_id=r1] ")
