"""Child sessions: one SparkContext, separate SQL settings and temp views per unit of work.

``SparkSession.newSession()`` shares the SparkContext (executors, JARs, Hadoop
configuration, the table cache) and the catalog, and gives the new session its own SQL
configuration, temp views and UDFs. What the child does and does not inherit, checked on
Spark 3.5 and 4.1 (tests/spark/runtimes/test_isolated_sessions.py):

* inherited: everything set when the context was built (``SparkConf``, builder options:
  Delta's SQL extension and catalog, time zone, shuffle partitions), the SparkContext's
  thread-local properties (FAIR pool, job group: they belong to the thread, not the
  session), persisted DataFrames (the cache manager is shared, so a DataFrame cached in
  one session is served from the cache in another), the catalog's databases and tables;
* not inherited: SQL settings changed at run time on the parent (``spark.conf.set``):
  :func:`isolated_session` copies those, except the per-statement ones in
  :data:`NOT_COPIED` (an idempotency key must never leak into another statement);
* never shared: temp views, temp functions and the SQL settings changed after the split.

Why: units of a run execute on threads of one SparkSession. Temp views (an export's input
names) and session settings used as statement parameters (delta-spark's idempotent MERGE
reads its app id from ``spark.databricks.delta.write.txnAppId``) would otherwise be seen,
and overwritten, by whichever unit runs beside it.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Session settings that parameterize a single statement: set on a child, never copied to one.
NOT_COPIED = ("spark.databricks.delta.write.txnAppId", "spark.databricks.delta.write.txnVersion")

# child -> the session it was made from. PySpark makes a session "active" process-wide when it
# creates a DataFrame (``createDataFrame`` sets the class attribute and the JVM thread's active
# session), so after a run ``getActiveSession()`` may return a finished unit's child.
_PARENTS: weakref.WeakKeyDictionary[SparkSession, SparkSession] = weakref.WeakKeyDictionary()


def isolated_session(parent: SparkSession) -> SparkSession:
    """A new session of ``parent``'s SparkContext with ``parent``'s current SQL settings."""
    child = parent.newSession()
    _PARENTS[child] = parent
    wanted = {k: v for k, v in session_conf(parent).items() if k not in NOT_COPIED}
    have = session_conf(child)
    for key, value in wanted.items():
        if have.get(key) != value and parent.conf.isModifiable(key):
            child.conf.set(key, value)
    return child


def root_session(session: SparkSession) -> SparkSession:
    """``session``, or, for a child :func:`isolated_session` made, the session it came from."""
    while session in _PARENTS:
        session = _PARENTS[session]
    return session


def session_conf(spark: SparkSession) -> dict[str, str]:
    """Every SQL setting explicitly set in ``spark`` (unredacted), as a dict."""
    get_all = getattr(type(spark.conf), "getAll", None)
    if isinstance(get_all, property):  # PySpark 4: RuntimeConfig.getAll
        return dict(spark.conf.getAll)  # type: ignore[attr-defined]
    jvm = spark.sparkContext._jvm  # type: ignore[union-attr]
    scala_map = spark._jsparkSession.conf().getAll()  # type: ignore[attr-defined]
    return dict(jvm.scala.collection.JavaConverters.mapAsJavaMapConverter(scala_map).asJava())
