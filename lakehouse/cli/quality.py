"""``lakehouse quality``: gate reports, history, quarantine replay, DQDL export and local DQDL runs."""

from __future__ import annotations

import json

import click

from lakehouse.cli.options import load, project_options
from lakehouse.terminal import render_table

_json = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
_gate = click.option("--gate", type=click.Choice(["landing_to_raw", "raw_to_curated",
                                                  "curated_to_exportable"]),
                     default=None, help="Only this gate (default: both).")


@click.group("quality")
def command() -> None:
    """Quality gates: reports (GX Data Docs), history, quarantine replay, DQDL export and runs."""


@command.command()
@project_options
@click.option("--dataset", "datasets", multiple=True, metavar="NAME",
              help="Only these datasets (repeatable).")
@_json
def report(conf_dir: str, env: str | None, datasets: tuple[str, ...], as_json: bool) -> None:
    """Latest gate run per dataset and gate, and where its Data Docs page is.

    \b
    Example:
      lakehouse quality report --dataset flights
    """
    from lakehouse.quality.docs import docs_root, write_index
    from lakehouse.quality.store import history
    from lakehouse.storage.uri import join_uri

    project = load(conf_dir, env)
    out = []
    for ds in project.select_datasets(datasets):
        seen = set()
        for run in history(project, ds.name, limit=1000):
            if run["gate"] in seen:
                continue
            seen.add(run["gate"])
            run["dataset"] = ds.name
            run["docs"] = None if run["gate"] == "landing_to_raw" else \
                join_uri(docs_root(project), ds.name, run["gate"], "latest.html")
            out.append(run)
    index = write_index(project)
    if as_json:
        click.echo(json.dumps({"index": index, "latest": out}, indent=2, default=str))
        return
    if not out:
        click.echo("no gate runs recorded yet (run `lakehouse run` first)")
    for run in out:
        state = "BLOCKED" if run["blocked"] else "passed"
        click.echo(f"{run['dataset']} / {run['gate']}: {state} at {run['evaluated_at']} "
                   f"(run {run['run_id']}): {run['rows_in']} in, {run['rows_passed']} passed, "
                   f"{run['rows_quarantined']} quarantined")
        for name, rule in sorted(run["rules"].items()):
            if rule["status"] != "passed":
                click.echo(f"    {name:<28} {rule['severity']:<10} {rule['status']:<8} "
                           f"{rule['failing']:>10,}")
        if run["docs"]:
            click.echo(f"    docs: {run['docs']}")
    click.echo(f"index: {index}")


@command.command()
@project_options
@click.argument("dataset")
@_gate
@click.option("--limit", type=int, default=20, show_default=True, help="Newest runs to show.")
@_json
def history(conf_dir: str, env: str | None, dataset: str, gate: str | None, limit: int,
            as_json: bool) -> None:
    """Gate runs of DATASET over time: rows in/passed/quarantined and failing rules.

    \b
    Example:
      lakehouse quality history flights --gate raw_to_curated --limit 5
    """
    from lakehouse.quality.store import history as load_history

    project = load(conf_dir, env)
    project.select_datasets([dataset])
    runs = load_history(project, dataset, gate=gate, limit=limit)
    if as_json:
        click.echo(json.dumps(runs, indent=2, default=str))
        return
    if not runs:
        click.echo(f"no gate runs recorded for {dataset}")
        return
    rows = [(run["evaluated_at"][:26], run["gate"], "BLOCKED" if run["blocked"] else "ok",
             f"{run['rows_in']:,}", f"{run['rows_passed']:,}", f"{run['rows_quarantined']:,}",
             ", ".join(f"{n}={r['failing']}" for n, r in sorted(run["rules"].items())
                       if r["status"] == "failed"))
            for run in runs]
    click.echo(render_table(("evaluated_at", "gate", "status", "rows_in", "passed", "quarant.",
                             "failing rules"), rows, right={3, 4, 5}))


@command.command()
@project_options
@click.argument("dataset")
@click.option("--gate", type=click.Choice(["raw_to_curated", "curated_to_exportable"]),
              default="raw_to_curated", show_default=True, help="Which gate's quarantine.")
@_json
def replay(conf_dir: str, env: str | None, dataset: str, gate: str, as_json: bool) -> None:
    """Re-run DATASET's quarantined rows through the current rules.

    Rows that now pass are merged into curated and removed from quarantine (exactly once);
    the rest stay, with their failed rules updated.

    \b
    Example:
      lakehouse quality replay flights
    """
    from lakehouse.quality.replay import replay as run_replay
    from lakehouse.spark.session import local_session

    project = load(conf_dir, env)
    spark = local_session(project.lake.spark, app_name="lakehouse-quality-replay")
    result = run_replay(spark, project, dataset, gate=gate)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, default=str))
        return
    if result.quarantine_version is None:
        click.echo(f"{dataset} has no quarantine at {gate}")
        return
    click.echo(f"{dataset} / {gate}: replayed {result.rows_replayed} rows from quarantine "
               f"v{result.quarantine_version}: {result.rows_fixed} fixed"
               + (f" (merged into curated v{result.curated_version})"
                  if result.curated_version is not None else "")
               + f", {result.rows_still_quarantined} still quarantined")
    for name, count in sorted(result.still_failing.items()):
        click.echo(f"    {name:<28} {count:>8,}")


@command.command("export-dqdl")
@project_options
@click.argument("dataset")
@click.option("--gate", type=click.Choice(["raw_to_curated", "curated_to_exportable"]),
              default=None, help="Only this gate's rules (default: each gate that has rules).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Write to FILE instead of stdout; with several gates, one FILE per gate named"
                   " STEM.GATE.SUFFIX.")
@click.option("--skip-unmappable", is_flag=True,
              help="Export the rules that have an exact DQDL form and exit 0 even if some have none.")
def export_dqdl(conf_dir: str, env: str | None, dataset: str, gate: str | None, out: str | None,
                skip_unmappable: bool) -> None:
    """Print DATASET's YAML quality rules as AWS Glue DQDL rulesets (one per gate).

    Each rule keeps its meaning exactly (see docs/quality-dqdl.md, "From YAML rules to DQDL
    and back"); its name, severity and description become labels. Rules with no exact DQDL
    form are listed on stderr with the reason; then the exit code is 1 and nothing is written,
    unless --skip-unmappable.

    \b
    Example:
      lakehouse quality export-dqdl flights --gate raw_to_curated --skip-unmappable
      lakehouse quality export-dqdl planes --out planes.dqdl   # planes.raw_to_curated.dqdl, ...
    """
    from pathlib import Path

    from lakehouse.quality.dqdl import to_dqdl
    from lakehouse.quality.dqdl.rules import rules_to_dqdl

    project = load(conf_dir, env)
    (ds,) = project.select_datasets([dataset])
    gates = [gate] if gate else [g for g in ("raw_to_curated", "curated_to_exportable")
                                 if ds.rules.for_gate(g)]
    exports = {g: rules_to_dqdl(ds.rules.for_gate(g)) for g in gates}
    left = [exc for e in exports.values() for exc in e.unmappable]
    for exc in left:
        click.echo(exc.message, err=True)
    if left and not skip_unmappable:
        click.echo(f"{len(left)} rule(s) of {dataset} have no exact DQDL form; nothing written"
                   " (--skip-unmappable exports the others)", err=True)
        click.get_current_context().exit(1)
    texts = {g: to_dqdl(e.ruleset) for g, e in exports.items() if e.ruleset is not None}
    if not texts:
        click.echo(f"{dataset} has no rule with a DQDL form at {', '.join(gates) or 'any gate'}",
                   err=True)
    if out is None:
        for g, text in texts.items():
            click.echo(f"# {dataset} / {g}\n{text}")
        return
    path = Path(out)
    for g, text in texts.items():
        target = path if len(gates) == 1 else path.with_name(f"{path.stem}.{g}{path.suffix}")
        target.write_text(text, encoding="utf-8")
        click.echo(f"wrote {target}", err=True)


@command.command("dqdl")
@project_options
@click.argument("dataset")
@click.option("--ruleset", "ruleset", type=click.Path(exists=True, dir_okay=False), required=True,
              help="The DQDL ruleset file to evaluate (e.g. pasted from the Glue console).")
@_json
def dqdl(conf_dir: str, env: str | None, dataset: str, ruleset: str, as_json: bool) -> None:
    """Evaluate a DQDL ruleset against DATASET's current curated table; write nothing.

    Prints Glue's result shape (get_data_quality_result's RuleResults: Name, Result PASS or
    FAIL, EvaluatedMetrics, Description). Exit code 0 when every rule passes, 3 when any
    fails, 2 when the ruleset does not parse or check (the line and column are named).

    \b
    Example:
      lakehouse quality dqdl flights --ruleset flights.dqdl
      lakehouse quality dqdl planes --ruleset checks.dqdl --json
    """
    from datetime import UTC, datetime
    from pathlib import Path

    from lakehouse.errors import LakehouseError
    from lakehouse.quality.dqdl.glue_result import failed, rule_results
    from lakehouse.quality.dqdl_gate import check_sql, load_checks
    from lakehouse.quality.gate import GateContext, run_gate
    from lakehouse.quality.store import read_curated
    from lakehouse.spark.session import local_session

    project = load(conf_dir, env)
    (ds,) = project.select_datasets([dataset])
    text = Path(ruleset).read_text(encoding="utf-8")
    spark = local_session(project.lake.spark, app_name="lakehouse-quality-dqdl")
    df = read_curated(spark, project, ds.name)
    if df is None:
        raise LakehouseError(f"{ds.name} has no curated table yet",
                             hint=f"run `lakehouse run --dataset {ds.name}` first", dataset=ds.name)
    now = datetime.now(UTC)
    checks = load_checks(text, file=ruleset, columns=dict(df.dtypes), now=now,
                         datasets=project.datasets)
    check_sql(df, checks, file=ruleset)
    outcome = run_gate(df, rules=checks, gate="raw_to_curated", dataset=ds.name,
                       context=GateContext(spark=spark, project=project, now=now, sample_rows=0))
    document = rule_results(outcome.results, dataset=ds.name, rows=outcome.total)
    if as_json:
        click.echo(json.dumps(document, indent=2))
    else:
        rows = [(r["Name"], r["Result"], r["Description"],
                 ", ".join(f"{k}={v:g}" for k, v in r["EvaluatedMetrics"].items()))
                for r in document["RuleResults"]]
        click.echo(render_table(("rule", "result", "DQDL", "metrics"), rows))
        click.echo(f"{ds.name}: {outcome.total} rows, score {document['Score']:.2f}")
    if failed(document):
        click.get_current_context().exit(3)
