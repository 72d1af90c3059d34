"""A project the framework has never seen: a generated churn data set (nulls, a nested JSON
column) delivered as JSON lines, with an ML export, built under tmp_path (helpers; the
fixtures are in conftest.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import yaml

ROWS = 400
REGIONS = ["north", "south", "east", "west", "central", "islands"]


def generate_customers(n: int = ROWS, *, seed: int = 7, start: int = 0) -> list[dict]:
    """Customers with a churn label driven by the features, nulls in several columns and an
    ``attrs`` column holding nested JSON (a struct with a struct and an array)."""
    rng = np.random.default_rng(seed)
    t0 = datetime(2024, 1, 1)
    out = []
    for i in range(start, start + n):
        age = int(rng.integers(18, 80))
        income = float(np.round(rng.lognormal(10, 0.5), 2))
        region = REGIONS[int(rng.choice(len(REGIONS), p=[.35, .25, .2, .1, .07, .03]))]
        score = float(np.round(rng.normal(0.5, 0.2), 4))
        visits = [float(v) for v in rng.poisson(3, size=int(rng.integers(0, 5)))]
        risk = 0.8 * (age < 30) + 1.5 * (score < 0.35) - 0.3 * (income > 30000)
        churned = bool(rng.random() < 1 / (1 + np.exp(-(risk - 1.0))))
        attrs = {"device": {"os": str(rng.choice(["ios", "android", "web"])), "score": score},
                 "visits": visits}
        out.append({
            "customer_id": f"c{i:05d}", "segment": f"s{i % 37}",
            "age": None if i % 11 == 0 else age,
            "income": None if i % 7 == 0 else income,
            "region": None if i % 23 == 0 else region,
            "signup_ts": (t0 + timedelta(hours=6 * i)).isoformat(sep=" "),
            "attrs": json.dumps(attrs), "churned": churned})
    return out


def write_landing(root: Path, rows: list[dict], name: str = "part-000.json") -> None:
    folder = root / ".lake" / "landing" / "customers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))


CUSTOMERS = {
    "name": "customers",
    "source": {"format": "json", "path": "customers", "pattern": "*.json"},
    "schema": [
        {"name": "customer_id", "type": "string", "nullable": False},
        {"name": "segment", "type": "string"},
        {"name": "age", "type": "int"},
        {"name": "income", "type": "double"},
        {"name": "region", "type": "string"},
        {"name": "signup_ts", "type": "timestamp", "nullable": False},
        {"name": "attrs", "type": "string", "comment": "nested JSON"},
        {"name": "churned", "type": "boolean"},
    ],
    "primary_key": ["customer_id"],
}


def churn_ml(**overrides) -> dict:
    ml = {
        "label": {"name": "churned"},
        "id": "customer_id",
        "time": "signup_ts",
        "features": {"exclude": ["segment"]},
        "split": {"method": "random", "seed": 11,
                  "fractions": {"train": 0.6, "validation": 0.2, "test": 0.2}},
        "transforms": {
            "flatten": {"json": {"attrs": "device struct<os: string, score: double>, "
                                          "visits array<double>"},
                        "max_array_items": 2},
            "clip": [{"columns": ["income"], "quantiles": [0.01, 0.99]}],
            "log": ["income"],
            "impute": [{"columns": ["age"], "strategy": "median"},
                       {"columns": ["income"], "strategy": "mean"},
                       {"columns": ["attrs__visits__0", "attrs__visits__1"], "strategy": "constant",
                        "value": 0}],
            "scale": [{"columns": ["age"], "method": "standard"},
                      {"columns": ["income"], "method": "minmax"},
                      {"columns": ["attrs__device__score"], "method": "robust"}],
            "encode": [{"columns": ["region"], "method": "onehot", "top_n": 4},
                       {"columns": ["attrs__device__os"], "method": "ordinal"}],
        },
        "checks": {"min_minority_ratio": 0.05, "max_null_ratio": 0.6},
        "outputs": {"sagemaker_csv": True},
    }
    ml.update(overrides)
    return ml


def write_project(root: Path, ml: dict, *, sql: str | None = None) -> Path:
    """``root/conf`` with the customers dataset and the ``churn_ml`` export; returns conf."""
    conf = root / "conf"
    (conf / "datasets").mkdir(parents=True, exist_ok=True)
    (conf / "exports").mkdir(parents=True, exist_ok=True)
    (conf / "lake.yaml").write_text(yaml.safe_dump(
        {"project": "churn", "lake": {"root": str(root / ".lake")}}))
    (conf / "datasets" / "customers.yaml").write_text(yaml.safe_dump(CUSTOMERS, sort_keys=False))
    export = {"name": "churn_ml", "inputs": ["customers"],
              "sql": sql or "SELECT * FROM customers", "ml": ml}
    (conf / "exports" / "churn_ml.yaml").write_text(yaml.safe_dump(export, sort_keys=False))
    return conf
