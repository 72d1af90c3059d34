"""The case of issue #31, end to end through the CLI a user types: `lakehouse dataset init`
on the Palmer penguins CSV (a public file, with a Yes/No column and three species named by
strings), an ML export predicting the species with a stratified split, `lakehouse run`, and
`lakehouse export rebuild`. Checked against pandas reading the same CSV."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner

from lakehouse.cli.main import cli
from lakehouse.config import load_project
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import SMALL_SPARK, write_project
from tests.spark.ml.penguins import penguins_raw_csv

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
FEATURES = ["island", "clutch_completion", "culmen_length_mm", "culmen_depth_mm",
            "flipper_length_mm", "body_mass_g", "sex"]
NUMBERS = ["culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"]
FRACTIONS = {"train": 0.6, "validation": 0.2, "test": 0.2}


def invoke(*args: str):
    return CliRunner().invoke(cli, [*args], catch_exceptions=False)


def export_yaml(key: list[str]) -> str:
    """The export as a user writes it by hand (YAML 1.2: nothing needs quoting)."""
    return f"""\
name: species_ml
inputs: [penguins]
sql: >
  SELECT concat_ws('/', {', '.join(key)}) AS penguin_id, species, {', '.join(FEATURES)}
  FROM penguins
ml:
  label: {{name: species, kind: classification}}
  id: penguin_id
  features: {{include: [{', '.join(FEATURES)}]}}
  split: {{method: stratified, fractions: {{train: 0.6, validation: 0.2, test: 0.2}}, seed: 7}}
  transforms:
    impute: [{{columns: [{', '.join(NUMBERS)}], strategy: median}}]
    scale: [{{columns: [{', '.join(NUMBERS)}], method: standard}}]
    encode: [{{columns: [island, clutch_completion, sex], method: onehot}}]
  outputs: {{sagemaker_csv: true}}
"""


@pytest.fixture(scope="module")
def case(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("species")
    conf = write_project(root, lake={"spark": SMALL_SPARK})
    source = root / "downloads" / "penguins_raw.csv"
    source.parent.mkdir()
    shutil.copy(penguins_raw_csv(), source)
    init = invoke("dataset", "init", "penguins", "--from", str(source), "--conf", str(conf))
    key = load_project(conf).datasets["penguins"].primary_key
    (conf / "exports").mkdir(exist_ok=True)
    (conf / "exports" / "species_ml.yaml").write_text(export_yaml(key))
    run = invoke("run", "--json", "--conf", str(conf))
    project = load_project(conf)
    location = local_path(project.table_uri("exportable", "species_ml")) / "v00001"
    rebuild = invoke("export", "rebuild", "species_ml", "--manifest",
                     str(location / "_manifest.json"), "--conf", str(conf),
                     "--out", str(root / "rebuilt"))
    return SimpleNamespace(conf=conf, project=project, key=key, init=init, run=run,
                           record=json.loads(run.stdout), location=location, rebuild=rebuild,
                           csv=pd.read_csv(penguins_raw_csv()))


def test_init_drafts_yes_no_values_that_load_as_text(case) -> None:
    assert case.init.exit_code == 0, case.init.output
    text = (case.conf / "datasets" / "penguins.yaml").read_text()
    assert "values: ['No', 'Yes']" in text
    rules = {r.name: r for r in case.project.datasets["penguins"].rules.all()}
    assert rules["clutch_completion_values"].values == ["No", "Yes"]


def test_the_run_curates_every_penguin_and_the_yes_no_rule_passes(case) -> None:
    assert case.run.exit_code == 0, case.run.output
    assert case.record["status"] == "succeeded" and case.record["balanced"]
    curate = next(s for s in case.record["stages"] if s["stage"] == "curate")
    assert (curate["rows_read"], curate["rows_written"]) == (len(case.csv), len(case.csv))
    results = {r["name"]: r for g in curate["details"]["gates"] for r in g["results"]}
    assert results["clutch_completion_values"]["status"] == "passed"
    assert results["clutch_completion_values"]["failing"] == 0


def test_sagemaker_csv_starts_with_the_class_index_and_the_manifest_names_the_classes(case) -> None:
    classes = sorted(case.csv["Species"].unique())          # independent: pandas on the CSV
    manifest = json.loads((case.location / "_manifest.json").read_text())
    assert manifest["label"] == {"column": "species", "kind": "classification",
                                 "classes": classes}
    transforms = json.loads((case.location / "_transforms.json").read_text())
    assert transforms["label"]["classes"] == classes
    curated = read_delta(case.project.table_uri("curated", "penguins")).to_pandas()
    ids = curated[case.key].astype(str).agg("/".join, axis=1)
    truth = pd.Series(curated["species"].map(classes.index).to_numpy(), index=ids)
    n, k = len(curated), len(classes)
    overall = curated["species"].map(classes.index).value_counts() / n
    for split in FRACTIONS:
        rows = pd.read_parquet(case.location / split / "part-00000.parquet")
        sagemaker = pd.read_csv(case.location / "sagemaker" / split / "part-00000.csv", header=None)
        assert sagemaker[0].tolist() == rows["species"].tolist() == truth[rows["penguin_id"]].tolist()
        assert sagemaker.shape[1] == 1 + len(transforms["features_out"])
        named = rows["species"].map(lambda i: classes[i]).value_counts().to_dict()
        assert manifest["class_counts"][split] == named
        share = rows["species"].value_counts() / len(rows)    # stratified: every class's share kept
        for index in range(k):
            assert abs(share[index] - overall[index]) <= (1 + k * overall[index]) / len(rows)


def test_rebuild_reproduces_the_version_byte_for_byte(case) -> None:
    assert case.rebuild.exit_code == 0, case.rebuild.output
    assert "identical: 6 files and _transforms.json match the manifest" in case.rebuild.output
