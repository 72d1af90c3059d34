"""SparkSession factories for cluster runtimes (local builds stay in ``lakehouse.spark.session``).

- **glue**: a ``GlueContext`` over the job's SparkContext; the Glue Data Catalog is the
  metastore (``--enable-glue-datacatalog``) and Delta comes from ``--datalake-formats delta``.
- **emr** / **emr-serverless**: a Hive-enabled session whose metastore client is the Glue
  Data Catalog, with the Delta SQL extension and catalog.
- **local** / **spark-cluster**: the local factory under ``spark-submit`` (the master, JARs,
  Delta and S3A settings are its arguments); S3 through hadoop-aws's ``s3a://``.

Whether Delta's JVM classes are present (native path) or not (portable path) is detected
by the table layer, never configured here. Each factory sets the scheme Spark paths use for
S3 (:data:`~lakehouse.runtimes.sparkconf.RUNTIME_S3_SCHEME`): ``s3://`` on Glue and EMR,
where EMRFS / Glue's connector and the S3-optimized committer serve it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakehouse.runtimes.args import JobArgs, Runtime
from lakehouse.runtimes.sparkconf import EMR_CONF, RUNTIME_S3_SCHEME
from lakehouse.storage.uri import set_spark_s3_scheme

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config.models import SparkSection


def detect_runtime(requested: Runtime | None = None) -> Runtime:
    """The runtime named by the submitter, else ``glue`` when ``awsglue`` imports, else local."""
    if requested:
        return requested
    try:
        import awsglue.context  # noqa: F401
    except ImportError:
        return "local"
    return "glue"


class GlueJob:
    """The Glue ``Job`` wrapper: ``init`` on start, ``commit`` on success (bookmarks stay off)."""

    def __init__(self, glue_context: Any, name: str | None):
        from awsglue.job import Job

        self._job = Job(glue_context)
        self._job.init(name or "lakehouse", {"JOB_NAME": name or "lakehouse"})

    def commit(self) -> None:
        self._job.commit()


def glue_session(args: JobArgs) -> tuple[SparkSession, GlueJob]:
    """The Glue job's session (built on the job's SparkContext) and its ``Job`` handle."""
    from awsglue.context import GlueContext
    from pyspark.context import SparkContext

    glue_context = GlueContext(SparkContext.getOrCreate())
    set_spark_s3_scheme(RUNTIME_S3_SCHEME["glue"])
    return glue_context.spark_session, GlueJob(glue_context, args.job_name)


def emr_session(*, app_name: str = "lakehouse",
                extra_conf: dict[str, str] | None = None) -> SparkSession:
    """A session for EMR on EC2 and EMR Serverless: Glue Data Catalog metastore, Delta SQL.

    Settings given to ``spark-submit`` (the submitters pass the same ones, plus the
    profile's ``spark_conf``) win; the defaults only fill what is missing, so a job
    started by hand on a cluster gets them too.
    """
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    SparkContext._ensure_initialized()  # connect to the JVM so SparkConf sees spark-submit's
    submitted = SparkConf()
    builder = SparkSession.builder.appName(app_name).enableHiveSupport()
    for key, value in EMR_CONF.items():
        if not submitted.contains(key):
            builder = builder.config(key, value)
    for key, value in (extra_conf or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    set_spark_s3_scheme(RUNTIME_S3_SCHEME["emr"])
    return session


def session_for(runtime: Runtime, args: JobArgs,
                settings: SparkSection | None = None) -> tuple[SparkSession, GlueJob | None]:
    """Build the session for ``runtime``; the Glue job handle is returned for ``commit``."""
    if runtime == "glue":
        return glue_session(args)
    if runtime in ("emr", "emr-serverless"):
        return emr_session(app_name=args.job_name or "lakehouse"), None
    # local and spark-cluster: spark-submit started the JVM (master, JARs, Delta and S3A
    # settings come from its arguments); the local factory adds the project's session settings
    from lakehouse.spark.session import local_session

    return local_session(settings, app_name=args.job_name or "lakehouse"), None
