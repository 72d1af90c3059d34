"""Landing globs: matching, exact overlap detection at load time, and routing arrivals."""

from __future__ import annotations

import pytest

from lakehouse.config.key_globs import find_overlaps, matches, overlap_example
from lakehouse.errors import ConfigError
from lakehouse.events.model import ObjectArrival
from lakehouse.events.routing import Router


@pytest.mark.parametrize(("glob", "key", "expected"), [
    ("flights/*.csv*", "flights/flights_2013_01.csv", True),
    ("flights/*.csv*", "flights/flights_2013_01.csv.gz", True),
    ("flights/*.csv*", "flights/my file café.csv", True),
    ("flights/*.csv*", "flights/2013/01.csv", False),        # * stops at /
    ("flights/**.csv", "flights/2013/01.csv", True),         # ** crosses /
    ("flights/*.csv*", "flights/readme.txt", False),
    ("flights/*.csv*", "weather/w.csv", False),
    ("flights/flights_2013_0?.csv", "flights/flights_2013_07.csv", True),
    ("flights/flights_2013_0?.csv", "flights/flights_2013_10.csv", False),
    ("flights/[0-9]*.csv", "flights/7.csv", True),
    ("flights/[!0-9]*.csv", "flights/7.csv", False),
    ("flights/*.{csv,json}", "flights/a.json", True),
    ("flights/a+b.csv", "flights/a+b.csv", True),            # regex metacharacters are literal
    ("flights/a+b.csv", "flights/aab.csv", False),
])
def test_matches(glob: str, key: str, expected: bool) -> None:
    assert matches(glob, key) is expected


@pytest.mark.parametrize(("a", "b", "overlap"), [
    ("flights/*.csv*", "weather/*.csv*", False),
    ("flights/*.csv*", "flights/*", True),
    ("flights/*.csv", "flights/*.json", False),
    ("flights/*.csv*", "flights/*.json", True),               # x.csv.json matches both
    ("a*b", "*c*", True),                                     # acb: no witness-by-substitution
    ("x/[!a]*", "x/a*", False),
    ("data/**", "data/sub/*.csv", True),
    ("data/*", "data/sub/*.csv", False),
    ("x/{a,b}.csv", "x/[bc]*", True),
])
def test_overlap_is_exact_and_gives_an_example(a: str, b: str, overlap: bool) -> None:
    example = overlap_example(a, b)
    assert (example is not None) is overlap
    if example is not None:  # the example really is claimed by both
        assert matches(a, example) and matches(b, example)


def test_find_overlaps_names_both_datasets() -> None:
    problems = find_overlaps({"flights": "flights/*.csv*", "all": "flights/*", "w": "weather/*"})
    assert len(problems) == 1
    assert "'all'" in problems[0] and "'flights'" in problems[0] and "flights/" in problems[0]


def test_overlapping_datasets_are_a_config_error_at_load(make_project) -> None:
    with pytest.raises(ConfigError) as err:
        make_project({"flights": ("flights", "*.csv*"), "everything": ("flights", "*")})
    text = str(err.value)
    assert "datasets" in err.value.file
    assert "'everything'" in text and "'flights'" in text and "both match landing key" in text
    assert "disjoint" in text


def arrival(key: str, bucket: str = "landing") -> ObjectArrival:
    return ObjectArrival(bucket=bucket, key=key, size=1, etag="e")


def test_local_landing_zone_routes_keys_relative_to_any_bucket(make_project) -> None:
    router = Router.for_project(make_project())
    assert router.bucket is None
    assert router.route(arrival("flights/my file.csv")).dataset == "flights"
    assert router.route(arrival("weather/w.csv", bucket="other")).dataset == "weather"


def test_source_uri_strips_the_prefix_and_checks_the_bucket(make_project) -> None:
    router = Router.for_project(make_project(triggers={"source_uri": "s3://drop/in/nyc"}))
    route = router.route(arrival("in/nyc/flights/a.csv", bucket="drop"))
    assert (route.dataset, route.relative_key) == ("flights", "flights/a.csv")
    wrong_bucket = router.route(arrival("in/nyc/flights/a.csv", bucket="landing"))
    assert wrong_bucket.dataset is None and "not the landing bucket 'drop'" in wrong_bucket.reason
    outside = router.route(arrival("in/flights/a.csv", bucket="drop"))
    assert outside.dataset is None and "outside the landing prefix s3://drop/in/nyc/" in outside.reason


def test_s3_landing_zone_is_the_default_root(make_project) -> None:
    project = make_project(lake={"root": "s3://lake-bucket/prod", "zones": {}})
    router = Router.for_project(project)
    assert (router.bucket, router.prefix) == ("lake-bucket", "prod/landing")
    assert router.route(arrival("prod/landing/weather/w.csv", "lake-bucket")).dataset == "weather"


def test_unmatched_key_is_reported_with_the_known_patterns(make_project) -> None:
    route = Router.for_project(make_project()).route(arrival("planes/p.csv"))
    assert route.dataset is None
    assert "'planes/p.csv' matches no dataset" in route.reason
    assert "flights: flights/*.csv*" in route.reason


@pytest.mark.parametrize(("source", "key", "expected"), [
    ("flights/*.csv*", "flights/flights_2013_01.csv", True),
    ("flights/*.csv*", "flights/2013/01/flights.csv", True),     # any depth, as sources read
    ("flights/*.csv*", "flights/_tmp/flights.csv", False),       # '_' parts are never read
    ("flights/*.csv*", "flights/.staging.csv", False),
    ("flights/*.csv*", "flightsX/a.csv", False),
    ("flights/*.csv*", "flights/a.json", False),
])
def test_source_matches_mirrors_the_landing_reader(source: str, key: str, expected: bool) -> None:
    from lakehouse.config.key_globs import source_matches

    assert source_matches(source, key) is expected


def test_nested_folder_of_another_dataset_is_an_overlap() -> None:
    problems = find_overlaps({"flights": "flights/*.csv", "archive": "flights/2013/*.csv"})
    assert len(problems) == 1 and "flights/2013/" in problems[0]


def test_nested_keys_route_and_empty_or_hidden_objects_are_skipped(make_project) -> None:
    router = Router.for_project(make_project())
    assert router.route(arrival("flights/2013/01/a.csv")).dataset == "flights"
    hidden = router.route(arrival("flights/_staging/a.csv"))
    assert hidden.dataset is None and hidden.skipped and "never ingested" in hidden.reason
    folder = router.route(ObjectArrival(bucket="landing", key="flights/", size=0, etag="e"))
    assert folder.skipped and "folder marker" in folder.reason
    empty = router.route(ObjectArrival(bucket="landing", key="flights/f.csv", size=0, etag="e"))
    assert empty.dataset is not None and not empty.skipped  # ingest records empty deliveries
    assert not router.route(arrival("planes/p.csv")).skipped


def test_one_glob_engine_selects_the_same_keys_everywhere(tmp_path, make_project) -> None:
    """Landing listing, event routing and the overlap check agree, braces included (the
    listing used fnmatch, which has no ``{a,b}``, and so ingested nothing for this pattern)."""
    from lakehouse.config.key_globs import source_glob
    from lakehouse.sources.landing import list_landing_files

    project = make_project({"trips": ("trips", "{yellow,green}_*.csv"),
                            "zones": ("zones", "*.csv")})
    landing = tmp_path / ".lake" / "landing"
    keys = ["trips/yellow_1.csv", "trips/green_2.csv", "trips/sub/yellow_3.csv",
            "trips/fhv_4.csv", "trips/_tmp/yellow_5.csv", "trips/yellow_6.json"]
    for key in keys:
        (landing / key).parent.mkdir(parents=True, exist_ok=True)
        (landing / key).write_text("id\n1\n")
    dataset = project.datasets["trips"]
    listed = sorted(f.rel_path for f in list_landing_files(project.zone_uri("landing"), dataset))
    routed = sorted(k for k in keys if Router.for_project(project).route(arrival(k)).dataset == "trips")
    expected = ["trips/green_2.csv", "trips/sub/yellow_3.csv", "trips/yellow_1.csv"]
    assert listed == routed == expected
    # the overlap check reasons about source_glob(...); it claims the same keys (it cannot see
    # the rule that skips '_'-prefixed folders, which only narrows what is ingested)
    claimed = sorted(k for k in keys if matches(source_glob(dataset.source.key_glob), k))
    assert claimed == sorted([*expected, "trips/_tmp/yellow_5.csv"])
