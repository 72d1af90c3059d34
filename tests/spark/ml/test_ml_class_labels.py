"""Classification labels of any type (built with ``lakehouse.ml.build`` on the Palmer penguins,
a three-class string label): indexed by value, stratified, written as the class index to
Parquet and SageMaker CSV, named in the manifest and ``_transforms.json``, applied to new rows
for inference (an unseen class fails with its name); 0..k-1 integers are kept, other integers
and non-numeric regression labels are refused clearly. (Boolean labels: the churn export,
test_ml_export_unseen_dataset.py.)"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from lakehouse.config.models import ExportConfig
from lakehouse.errors import ConfigError, QualityGateError
from lakehouse.ml import transforms
from lakehouse.ml.build import build
from tests.spark.ml.penguins import penguins_raw_csv

pytestmark = [pytest.mark.spark]
FRACTIONS = {"train": 0.6, "validation": 0.2, "test": 0.2}


def penguins_frame() -> pd.DataFrame:
    raw = pd.read_csv(penguins_raw_csv())
    return pd.DataFrame({
        "penguin_id": raw["Species"].str.split().str[0] + "-" + raw["Sample Number"].astype(str),
        "species": raw["Species"], "island": raw["Island"], "clutch": raw["Clutch Completion"],
        "culmen": raw["Culmen Length (mm)"], "flipper": raw["Flipper Length (mm)"],
        "sex": raw["Sex"].where(raw["Sex"].notna(), None)})


def export(**ml) -> ExportConfig:
    spec = {"label": {"name": "species"}, "id": "penguin_id",
            "features": {"include": ["island", "clutch", "culmen", "flipper", "sex"]},
            "split": {"method": "stratified", "seed": 5, "fractions": FRACTIONS},
            "transforms": {"impute": [{"columns": ["culmen", "flipper"], "strategy": "median"}],
                           "encode": [{"columns": ["island", "clutch", "sex"]}]},
            "outputs": {"sagemaker_csv": True}}
    spec.update(ml)
    return ExportConfig.model_validate({"name": "species_ml", "inputs": ["penguins"], "sql": "-",
                                        "ml": spec})


def run(spark, frame: pd.DataFrame, spec: ExportConfig, location):
    return build(spark.createDataFrame(frame), spec, location=location.as_uri(), version=1,
                 input_versions={"penguins": 0}, run_id="r1")


@pytest.fixture(scope="module")
def species(spark, tmp_path_factory):
    location = tmp_path_factory.mktemp("species") / "v00001"
    frame = penguins_frame()
    built = run(spark, frame, export(), location)
    params = json.loads((location / "_transforms.json").read_text())
    splits = {s: pq.read_table(location / s / "part-00000.parquet").to_pandas()
              for s in FRACTIONS}
    csv = {s: pd.read_csv(location / "sagemaker" / s / "part-00000.csv", header=None)
           for s in FRACTIONS}
    return frame, built, params, splits, csv


def test_string_classes_are_indexed_by_value(species) -> None:
    frame, built, params, splits, csv = species
    names = sorted(frame["species"].unique())                # code-point order, by hand
    assert len(names) == 3 and names[0].startswith("Adelie")
    assert params["label"] == {"column": "species", "type": "string", "classes": names}
    assert built.manifest["label"] == {"column": "species", "kind": "classification",
                                       "classes": names}
    truth = frame.set_index("penguin_id")["species"].map(names.index)
    for split, rows in splits.items():
        assert rows["species"].tolist() == truth[rows["penguin_id"]].tolist()
        assert csv[split][0].tolist() == rows["species"].tolist()   # CSV: class index first
        assert csv[split][0].dtype == np.int64
        counted = rows["species"].map(lambda i: names[i]).value_counts().to_dict()
        assert built.manifest["class_counts"][split] == counted     # classes named by value
    check = next(r for r in built.results if r.name == "label_classes")
    assert check.status == "passed" and "'Adelie Penguin (Pygoscelis adeliae)'=0" in check.description


def test_stratified_split_keeps_every_class_share(species) -> None:
    """Per class c and split s, the rank-based cut puts f_s * n_c rows (+-1) in s, and s holds
    n_s rows; then |share(c, s) - share(c)| <= (1 + k * share(c)) / n_s (k classes)."""
    frame, _, _, splits, _ = species
    n, k = len(frame), frame["species"].nunique()
    overall = frame["species"].value_counts() / n
    for split, rows in splits.items():
        n_s = len(rows)
        assert abs(n_s - FRACTIONS[split] * n) <= k
        shares = rows["species"].value_counts() / n_s
        for index, name in enumerate(sorted(overall.index)):
            exact = FRACTIONS[split] * overall[name] * n
            assert abs((shares[index] * n_s) - exact) <= 1, (split, name)
            assert abs(shares[index] - overall[name]) <= (1 + k * overall[name]) / n_s


def test_transforms_apply_indexes_new_rows_and_names_an_unseen_class(species, spark) -> None:
    frame, _, params, _, _ = species
    names = params["label"]["classes"]
    new = frame.head(3).assign(species=[names[2], names[0], None])
    applied = transforms.apply(spark.createDataFrame(new), params).toPandas()
    assert applied["species"].tolist()[:2] == [2, 0] and pd.isna(applied["species"][2])
    assert "island__Dream" in applied.columns                   # the features are transformed too
    unlabelled = transforms.apply(spark.createDataFrame(new.drop(columns="species")), params)
    assert "species" not in unlabelled.columns                  # inference rows: no label needed
    emperor = spark.createDataFrame(new.assign(species="Emperor penguin"))
    with pytest.raises(Exception, match="value 'Emperor penguin' is not one of the 3 classes") \
            as info:
        transforms.apply(emperor, params).collect()
    assert "Adelie Penguin (Pygoscelis adeliae)" in str(info.value)


def _blocked(spark, frame, spec, tmp_path) -> QualityGateError:
    location = tmp_path / "out"
    with pytest.raises(QualityGateError) as info:
        run(spark, frame, spec, location)
    assert not location.exists()                                # nothing written
    return info.value


def test_null_labels_are_counted_before_any_conversion(spark, tmp_path) -> None:
    frame = penguins_frame()
    frame.loc[[3, 50, 200, 300], "species"] = None
    error = _blocked(spark, frame, export(), tmp_path)
    assert {r.name for r in error.results if r.blocking} == {"label_present"}
    present = next(r for r in error.results if r.name == "label_present")
    assert present.observed["null_labels"] == 4                  # not all 344: nothing was cast
    assert ": 4 rows have a null label 'species'" in str(error)


def test_integer_labels_are_kept_when_they_are_class_indices(spark, tmp_path) -> None:
    frame = penguins_frame().assign(code=lambda d: d["species"].map(
        {n: i for i, n in enumerate(sorted(d["species"].unique()))}))
    spec = export(label={"name": "code"})
    built = run(spark, frame, spec, tmp_path / "v")
    assert built.manifest["label"]["classes"] == [0, 1, 2]
    test = pq.read_table(tmp_path / "v" / "test" / "part-00000.parquet").to_pandas()
    assert test["code"].tolist() == frame.set_index("penguin_id")["code"][test["penguin_id"]].tolist()

    shifted = frame.assign(code=frame["code"] + 1)                 # 1..3: not indices
    error = _blocked(spark, shifted, spec, tmp_path / "shifted")
    assert {r.name for r in error.results if r.blocking} == {"label_classes"}
    assert "numeric label 'code' has the values [1, 2, 3]" in str(error)
    assert "shift it in label.expr (e.g. code - 1)" in str(error)


def test_a_regression_label_that_is_text_is_a_config_error(spark, tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        run(spark, penguins_frame(), export(label={"name": "species", "kind": "regression"},
                                            split={"method": "random"}), tmp_path / "v")
    message = str(info.value)
    assert "conf/exports/species_ml.yaml" in message
    assert "regression label 'species' is a string column, not a number" in message
    assert "TRY_CAST(species AS DOUBLE)" in message
