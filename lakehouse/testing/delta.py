"""The independent Delta reader for tests: delta-rs resolves the snapshot, pyarrow reads it.

``DeltaTable.to_pyarrow_table()`` / ``to_pandas()`` (deltalake 1.6 with pyarrow 22) were seen
to abort the interpreter at exit now and then ("terminate called without an active
exception", exit code 134), which would fail a green test run after the fact; reading the
snapshot through ``to_pyarrow_dataset()`` has not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


def read_delta(table_uri: Any, *, columns: list[str] | None = None, **kwargs: Any) -> pa.Table:
    """Rows of the Delta table at ``table_uri`` (``version=``, ``storage_options=`` as for
    ``deltalake.DeltaTable``)."""
    from deltalake import DeltaTable

    return DeltaTable(str(table_uri), **kwargs).to_pyarrow_dataset().to_table(columns=columns)
