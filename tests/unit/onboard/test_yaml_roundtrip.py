"""Every scalar ``dataset init`` writes reads back as the same value and type: through the
project's loader (YAML 1.2) and through PyYAML (YAML 1.1), for generated values in every place
a draft puts them (a top-level value, a flow mapping, a flow sequence, mapping keys)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lakehouse.config.loader import parse_yaml
from lakehouse.config.models import DatasetConfig
from lakehouse.onboard.suggest import Draft
from lakehouse.onboard.yaml_out import render_yaml

# words and shapes YAML 1.1 or 1.2 resolve to non-strings, in the cases users write them
TRICKY = ["No", "no", "NO", "Yes", "yes", "Y", "n", "On", "off", "OFF", "true", "False", "TRUE",
          "null", "Null", "NULL", "~", "", " ", "None", "NA", "0", "007", "0777", "0o17", "0x1F",
          "0b101", "1_000", "+1", "-0", "1e3", "1.0e-5", ".5", "5.", "1:20", "190:20:30", "-1:30",
          ".inf", "-.Inf", ".NaN", "nan", "2024-01-01", "2024-1-1", "2001-12-14t21:59:43.10-05:00",
          "2024-01-01 10:00:00", "=", "<<", "a: b", "a #b", "#x", "- x", "[x]", "{x}", "x, y",
          "'q'", '"q"', "&a", "*a", "!x", "%x", "@x", "`x", "|", ">", "?", "? x", ":", "---",
          "...", "a\nb", "tab\there", " lead", "trail ", "Adult, 1 Egg Stage", "\u2028", "é"]

text = st.one_of(st.sampled_from(TRICKY), st.text(st.characters(exclude_categories=["Cs"])),
                 st.from_regex(r"\A[-+]?[0-9_:.eE]{1,8}\Z"))
scalars = st.one_of(text, st.integers(), st.booleans(), st.none(),
                    st.floats(allow_nan=True, allow_infinity=True))


def draft_with(values: list[Any], key: str, value: Any) -> Draft:
    """A contract-shaped draft holding ``values`` / ``value`` wherever dataset init writes."""
    doc = {
        "name": "birds",
        "description": value,
        "source": {"format": "csv", "path": "birds", "pattern": "*.csv",
                   "options": {"header": True, "nullValue": value, key: value}},
        "schema": [{"name": "species", "type": "string", "source": value}],
        "primary_key": ["species"],
        "rules": {"raw_to_curated": [
            {"name": "species_values", "rule": "in_set", "column": "species", "values": values,
             "severity": "warn"}], "curated_to_exportable": []},
    }
    return Draft(doc=doc, column_notes=["a note"], rule_notes={"raw_to_curated": ["why"]},
                 header=["a header"], key_notes={"source": "detected csv"})


def same(a: Any, b: Any) -> bool:
    """Equal value and type (NaN equals NaN; bool is not int)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(
            same(k, k2) and same(a[k], b[k2]) for k, k2 in zip(a, b, strict=True))
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(scalars, max_size=6), key=text.filter(bool), value=scalars)
@example(values=["No", "Yes"], key="on", value="1:20")
@example(values=[5e-324, 1e16, -1e-05], key="? x", value="\x85")  # found by hypothesis earlier
def test_every_written_scalar_reads_back_the_same(values, key, value) -> None:
    draft = draft_with(values, key, value)
    written = render_yaml(draft)
    expected = draft.doc
    assert same(parse_yaml(written, source="draft"), expected), written   # the project's loader
    assert same(yaml.safe_load(written), expected), written               # a YAML 1.1 reader


def test_yes_no_values_stay_strings_in_a_loadable_contract() -> None:
    """The onboarding case: a Yes/No column's in_set rule keeps its strings."""
    written = render_yaml(draft_with(["No", "Yes"], "sep", ","))
    assert "values: ['No', 'Yes']" in written
    contract = DatasetConfig.model_validate(parse_yaml(written, source="draft"))
    rule = next(r for r in contract.rules.all() if r.name == "species_values")
    assert rule.values == ["No", "Yes"]


@pytest.mark.parametrize("value", ["plain text", "Culmen Length (mm)", "penguins"])
def test_ordinary_text_is_not_quoted(value) -> None:
    written = render_yaml(draft_with([value], "sep", value))
    assert f"values: [{value}]" in written and "'" not in written.split("values:")[1]
