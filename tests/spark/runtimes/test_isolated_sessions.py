"""What a unit's own session (lakehouse.spark.isolation) shares with the run's session, and what not."""

from __future__ import annotations

import threading

import pytest

from lakehouse.spark.isolation import NOT_COPIED, isolated_session, session_conf

pytestmark = pytest.mark.spark


def test_child_session_keeps_settings_but_not_views_or_statement_keys(spark) -> None:
    from lakehouse.spark.delta import delta_support

    key = "spark.sql.files.maxRecordsPerFile"
    before = spark.conf.get(key)
    spark.conf.set(key, "1234")                      # a run-time setting of the parent...
    spark.conf.set(NOT_COPIED[0], "someone-elses-key")
    spark.conf.set(NOT_COPIED[1], "7")
    try:
        child = isolated_session(spark)
        assert child.conf.get(key) == "1234"         # ...is copied
        assert all(child.conf.get(k, None) is None for k in NOT_COPIED)  # the statement's is not
        # what the context was built with comes through newSession itself
        assert child.conf.get("spark.sql.session.timeZone") == "UTC"
        assert delta_support(child).available == delta_support(spark).available
        assert session_conf(child)[key] == "1234"
    finally:
        spark.conf.set(key, before)
        for k in NOT_COPIED:
            spark.conf.unset(k)
    spark.createDataFrame([(1,)], "x int").createOrReplaceTempView("iso_only_parent")
    child.createDataFrame([(2,)], "x int").createOrReplaceTempView("iso_only_child")
    assert [r.x for r in child.sql("SELECT x FROM iso_only_child").collect()] == [2]
    assert not child.catalog.tableExists("iso_only_parent")
    assert not spark.catalog.tableExists("iso_only_child")
    child.conf.set(key, "99")                        # and settings changed later stay apart
    assert spark.conf.get(key) == before
    spark.sql("CREATE DATABASE IF NOT EXISTS iso_shared_db")
    try:
        assert child.catalog.databaseExists("iso_shared_db")   # the catalog is shared
    finally:
        spark.sql("DROP DATABASE iso_shared_db")


def test_child_sessions_share_the_cache_and_the_threads_pool(spark) -> None:
    from pyspark.sql import functions as F
    from pyspark.taskcontext import TaskContext

    cached = spark.range(500).selectExpr("id", "id * 3 AS y").persist()
    try:
        cached.count()
        child = isolated_session(spark)
        same = child.range(500).selectExpr("id", "id * 3 AS y")
        plan = same._jdf.queryExecution().withCachedData().toString()
        assert "InMemoryRelation" in plan           # served from the parent's cache
    finally:
        cached.unpersist()
    seen: dict[str, str | None] = {}

    def unit() -> None:  # the runner sets the FAIR pool per thread, then runs a unit
        spark.sparkContext.setLocalProperty("spark.scheduler.pool", "iso_pool")
        own = isolated_session(spark)
        pool = F.udf(lambda _: TaskContext.get().getLocalProperty("spark.scheduler.pool"), "string")
        seen["pool"] = own.range(1).select(pool("id")).first()[0]

    thread = threading.Thread(target=unit)
    thread.start()
    thread.join()
    assert seen == {"pool": "iso_pool"}              # jobs of the child run in the thread's pool


def test_a_finished_units_child_is_not_the_next_runs_session(spark) -> None:
    """PySpark makes a session active process-wide when it creates a DataFrame: after a unit's
    child did, local_session() (the CLI's, the event worker's next run) still gets the run's
    session, not a grandchild chain of finished units."""
    from pyspark.sql import SparkSession

    from lakehouse.spark.session import local_session

    grandchild = isolated_session(isolated_session(spark))
    grandchild.createDataFrame([(1,)], "x int").count()
    assert SparkSession.getActiveSession() is grandchild    # what PySpark now reports
    assert local_session() is spark
    spark.createDataFrame([(1,)], "x int")                    # leave the run's session active
