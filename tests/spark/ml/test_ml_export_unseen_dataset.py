"""An ML export of a data set the framework has never seen (generated churn customers with
nulls and a nested JSON column), through the same runner the CLI uses. The fitted statistics
are checked against pandas computing them from the train split alone."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from lakehouse.pipeline.driver import run_pipeline
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, spark):
    from lakehouse.config import load_project
    from tests.spark.ml.churn import churn_ml, generate_customers, write_landing, write_project

    root = tmp_path_factory.mktemp("churn")
    conf = write_project(root, churn_ml())
    write_landing(root, generate_customers())
    project = load_project(conf)
    summary = run_pipeline(project, stage="all", spark=spark)
    location = local_path(project.table_uri("exportable", "churn_ml")) / "v00001"
    manifest = json.loads((location / "_manifest.json").read_text())
    params = json.loads((location / "_transforms.json").read_text())
    return project, summary, location, manifest, params


def _split(location, split: str) -> pd.DataFrame:
    return pq.read_table(location / split / "part-00000.parquet").to_pandas()


def test_every_row_lands_in_exactly_one_split(exported) -> None:
    _, summary, location, manifest, _ = exported
    stage = next(s for s in summary.stages if s.stage == "export")
    assert summary.status == "succeeded" and stage.balanced
    frames = {s: _split(location, s) for s in ("train", "validation", "test")}
    assert {s: len(f) for s, f in frames.items()} == manifest["split_counts"]
    assert sum(manifest["split_counts"].values()) == stage.rows_written == 400
    ids = [set(f["customer_id"]) for f in frames.values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert manifest["label"]["classes"] == [False, True]        # a boolean label: false=0, true=1
    for split, frame in frames.items():   # class counts recorded = counted from the files
        counts = frame["churned"].map({0: "false", 1: "true"}).value_counts().to_dict()
        assert counts == manifest["class_counts"][split]


def test_nested_json_is_flattened_and_categories_one_hot(exported) -> None:
    _, _, location, _, params = exported
    train = _split(location, "train")
    assert {"attrs__device__score", "attrs__visits__0", "attrs__visits__1",
            "attrs__visits__size"} <= set(train.columns)
    assert "attrs" not in train.columns and "segment" not in train.columns
    onehot = [c for c in params["features_out"] if c.startswith("region__")]
    assert len(onehot) == 5 and onehot[-1] == "region__unknown"      # top 4 + unknown
    assert (train[onehot].sum(axis=1) == 1).all()


def test_sagemaker_csv_is_label_first_numeric_without_header(exported) -> None:
    _, _, location, _, params = exported
    for split in ("train", "validation", "test"):
        csv = pd.read_csv(location / "sagemaker" / split / "part-00000.csv", header=None)
        parquet = _split(location, split)
        assert csv.shape == (len(parquet), 1 + len(params["features_out"]))
        assert all(np.issubdtype(t, np.number) for t in csv.dtypes)
        assert csv[0].tolist() == parquet["churned"].tolist()         # same row order
        assert np.allclose(csv[1], parquet["age"])


def test_manifest_checksums_match_the_files(exported) -> None:
    _, _, location, manifest, _ = exported
    assert len(manifest["files"]) == 6
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((location / rel).read_bytes()).hexdigest() == digest
    raw = (location / "_transforms.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == manifest["transforms_sha256"]
    assert manifest["input_versions"] == {"customers": 0} and manifest["seed"] == 11
    assert not list(location.rglob("_staging")) and (location / "_summary.html").stat().st_size


def _train_inputs(project, location) -> pd.DataFrame:
    """The train rows as curated (before any transform), flattened with pandas."""
    curated = read_delta(project.table_uri("curated", "customers")).to_pandas()
    train_ids = set(_split(location, "train")["customer_id"])
    rows = curated[curated["customer_id"].isin(train_ids)].copy()
    attrs = rows["attrs"].map(json.loads)
    rows["score"] = attrs.map(lambda a: a["device"]["score"])
    rows["os"] = attrs.map(lambda a: a["device"]["os"])
    return rows


def _q(values: pd.Series, p: float) -> float:
    return float(np.quantile(values.dropna().to_numpy(dtype=float), p, method="inverted_cdf"))


def test_fitted_statistics_come_from_the_train_split_alone(exported) -> None:
    project, _, location, _, params = exported
    train = _train_inputs(project, location)
    steps = {(s["op"], s["column"]): s for s in params["steps"]}
    close = lambda a, b: np.isclose(a, b, rtol=1e-12, atol=1e-12)  # noqa: E731

    lo, hi = _q(train["income"], 0.01), _q(train["income"], 0.99)   # clip quantiles
    assert close(steps["clip", "income"]["min"], lo) and close(steps["clip", "income"]["max"], hi)
    income = np.log1p(train["income"].clip(lo, hi))
    assert close(steps["impute", "income"]["value"], income.mean())  # mean of non-null
    income = income.fillna(income.mean())
    assert close(steps["scale", "income"]["center"], income.min())
    assert close(steps["scale", "income"]["scale"], income.max() - income.min())

    median_age = _q(train["age"], 0.5)
    assert steps["impute", "age"]["value"] == median_age
    age = train["age"].astype(float).fillna(median_age)
    assert close(steps["scale", "age"]["center"], age.mean())
    assert close(steps["scale", "age"]["scale"], age.std(ddof=1))

    robust = steps["scale", "attrs__device__score"]
    assert close(robust["center"], _q(train["score"], 0.5))
    assert close(robust["scale"], _q(train["score"], 0.75) - _q(train["score"], 0.25))

    counts = train["region"].value_counts()
    ranked = sorted(counts.index, key=lambda v: (-counts[v], v))
    assert steps["encode", "region"]["labels"] == ranked[:4]
    os_counts = train["os"].value_counts()
    assert steps["encode", "attrs__device__os"]["labels"] == sorted(
        os_counts.index, key=lambda v: (-os_counts[v], v))


def test_the_same_fitted_values_are_applied_to_every_split(exported) -> None:
    project, _, location, _, params = exported
    steps = {(s["op"], s["column"]): s for s in params["steps"]}
    curated = read_delta(project.table_uri("curated", "customers")).to_pandas() \
        .set_index("customer_id")
    mean, std = steps["scale", "age"]["center"], steps["scale", "age"]["scale"]
    fill = steps["impute", "age"]["value"]
    for split in ("train", "validation", "test"):
        out = _split(location, split).set_index("customer_id")
        raw = curated.loc[out.index, "age"].astype(float).fillna(fill)
        assert np.allclose(out["age"], (raw - mean) / std, rtol=1e-12)
        unknown = ~curated.loc[out.index, "region"].isin(steps["encode", "region"]["labels"])
        assert (out["region__unknown"] == unknown.astype(float)).all()


def test_summary_page_opens_offline_in_a_headless_browser(exported) -> None:
    """The page is self-contained (plotly.js inlined): no CDN, no console error, and the
    split sizes it draws are the manifest's."""
    from lakehouse.testing.browser import chromium_path, load_page

    _, _, location, manifest, _ = exported
    page = location / "_summary.html"
    assert not re.search(r"<script[^>]*\bsrc=", page.read_text(), re.IGNORECASE)  # nothing fetched
    if chromium_path() is None:
        pytest.skip("chromium is not installed (`make test` installs Debian's chromium when apt works)")
    result = load_page(page.as_uri(), ready="document.querySelectorAll('.main-svg').length >= 2",
                       evaluate="""({
        bars: Array.from(document.querySelectorAll('#chart-0 .point path')).length,
        splits: document.getElementById('chart-0').data[0].x,
        sizes: document.getElementById('chart-0').data[0].y,
        failed: document.getElementById('failed-checks').innerText})""")
    assert result.errors == []
    assert dict(zip(result.value["splits"], result.value["sizes"], strict=True)) \
        == manifest["split_counts"]
    assert result.value["bars"] == len(manifest["split_counts"])
