"""``lakehouse dataset check``: a dry run of a contract against its landing files.

Reads every landing file of the dataset as ingest would (``read_landing``), casts it as curate
would (``conform``) and evaluates the ``raw_to_curated`` gate with the curate stage's own
``evaluate``: nothing is written, no bookmark moves. Reports what would be quarantined and why,
with sample rows, and how many rows the primary key would collapse within these files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lakehouse.config.models import DatasetConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config.project import Project


@dataclass
class CheckReport:
    """What a run would do to the dataset's landing files at the ``raw_to_curated`` gate."""

    dataset: str
    files: list[str]
    rows: int = 0
    would_write: int = 0
    would_quarantine: int = 0
    would_deduplicate: int = 0
    blocked: bool = False
    failed_rules: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    blocking: list[str] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocked

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "ok": self.ok}, indent=2, default=str)

    def render(self) -> str:
        lines = [f"dataset {self.dataset}: {len(self.files)} landing file(s), {self.rows:,} rows",
                 f"  would write       {self.would_write:>10,}",
                 f"  would quarantine  {self.would_quarantine:>10,}",
                 f"  would deduplicate {self.would_deduplicate:>10,}  (same primary key within these files)"]
        for name, count in sorted(self.failed_rules.items()):
            lines.append(f"  quarantine rule {name}: {count:,} row(s)")
        for name, count in sorted(self.warnings.items()):
            lines.append(f"  warning {name}: {count:,} row(s)")
        if self.blocking:
            lines.append(f"  BLOCKED by: {', '.join(self.blocking)} (a run would stop before writing)")
        for sample in self.samples:
            lines.append(f"  e.g. {sample['_reason']}: {json.dumps(sample['row'], default=str)}")
        lines.append("check: " + ("ok (nothing was written)" if self.ok else "the gate would block"))
        return "\n".join(lines)


def check_dataset(spark: SparkSession, project: Project, dataset: DatasetConfig, *,
                  samples: int = 5) -> CheckReport:
    """Dry-run ``dataset``'s contract against all its landing files (new or already ingested)."""
    from pyspark.sql import functions as F

    from lakehouse.sources.conform import CONFORM_ERRORS, RAW_STRUCT, conform_flagged
    from lakehouse.sources.landing import list_landing_files
    from lakehouse.sources.readers import read_landing
    from lakehouse.stages.context import StageContext
    from lakehouse.stages.curate import evaluate

    batch = list_landing_files(project.zone_uri("landing"), dataset)
    report = CheckReport(dataset.name, [f.rel_path for f in batch])
    if not batch:
        report.blocking = [f"no landing files match {dataset.source.key_glob}"]
        report.blocked = True
        return report
    ctx = StageContext(spark, project, run_id="dataset-check")
    conformed = conform_flagged(read_landing(spark, dataset, batch, run_id="dataset-check"),
                                dataset).cache()
    outcome = None
    try:
        split = evaluate(ctx, dataset, conformed)
        outcome = split.outcome
        report.rows = split.rows_in
        report.would_quarantine = split.quarantined_count
        report.failed_rules = split.failed_counts
        report.warnings = split.warnings
        report.blocked = outcome.blocked
        report.blocking = [r.name for r in outcome.results if r.blocking]
        passed = split.passed
        keys = [F.col(f"`{k}`") for k in dataset.primary_key]
        distinct = passed.select(*keys).distinct().count()
        report.would_deduplicate = (report.rows - report.would_quarantine) - distinct
        report.would_write = distinct
        broken = split.broken.select(
            F.col(RAW_STRUCT).alias("row"),
            F.concat(F.lit("does not match the declared schema: "),
                     F.array_join(CONFORM_ERRORS, ", ")).alias("_reason"),
            F.col("_source_file"))
        gated = outcome.quarantined.select(
            F.struct(*[F.col(f"`{c}`") for c in outcome.quarantined.columns
                       if not c.startswith("_")]).alias("row"),
            F.col("_reason"), F.col("_source_file"))
        for frame in (broken, gated):
            for row in frame.limit(samples).collect():
                report.samples.append({"row": row["row"].asDict(), "_reason": row["_reason"],
                                       "file": row["_source_file"]})
    finally:
        if outcome is not None:
            outcome.release()
        conformed.unpersist()
    return report
