"""The portable Delta backend: Spark writes Parquet data files, delta-rs commits them.

``table`` holds :class:`PortableDeltaTable` (the write protocol), ``merge`` the copy-on-write
merge by key, ``maintenance`` overwrite scoping, history, optimize and vacuum, ``protocol``
what those helpers need from the table. A peer of ``tables.native``: neither imports the
other (the ``independence`` contract); what both use lives in ``tables`` itself.
"""

from lakehouse.tables.portable.table import PortableDeltaTable

__all__ = ["PortableDeltaTable"]
