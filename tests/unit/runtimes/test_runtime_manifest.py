"""Artifact-set pieces that need no pip and no AWS: conf zip, requirements, manifest, conf source."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from lakehouse.errors import ConfigError, RuntimeSubmissionError
from lakehouse.runtimes.cluster.confsource import materialize_conf
from lakehouse.runtimes.submit.manifest import ArtifactSet
from lakehouse.runtimes.submit.packaging import cluster_requirements, zip_conf


@pytest.fixture
def conf_dir(tmp_path):
    conf = tmp_path / "proj" / "conf"
    (conf / "datasets").mkdir(parents=True)
    (conf / "lake.yaml").write_text("project: demo\n")
    (conf / "datasets" / "a.yaml").write_text("name: a\n")
    return conf


def test_conf_zip_is_reproducible_and_rooted_at_conf(conf_dir, tmp_path):
    first = zip_conf(conf_dir, tmp_path / "one.zip")
    second = zip_conf(conf_dir, tmp_path / "two.zip")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        assert sorted(zf.namelist()) == ["conf/datasets/a.yaml", "conf/lake.yaml"]
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    (conf_dir / "lake.yaml").write_text("project: changed\n")
    assert zip_conf(conf_dir, tmp_path / "three.zip").read_bytes() != first.read_bytes()


def test_conf_zip_needs_lake_yaml(tmp_path):
    with pytest.raises(RuntimeSubmissionError, match=r"no lake\.yaml"):
        zip_conf(tmp_path, tmp_path / "x.zip")


def test_cluster_requirements_drop_spark_and_extras():
    reqs = cluster_requirements(["pyspark==3.5.6", "delta-spark==3.3.2", "deltalake<2,>=1.1",
                                 "pydantic<3,>=2.6", 'pytest>=8; extra == "dev"',
                                 "Delta_Spark>=3"])
    assert reqs == ["deltalake<2,>=1.1", "pydantic<3,>=2.6"]
    assert cluster_requirements(["numpy<2", "pandas<3", "pyyaml>=6"],
                                drop=frozenset({"numpy", "pandas"})) == ["pyyaml>=6"]


def test_manifest_round_trip_and_tamper_detection(tmp_path):
    root = tmp_path / "dist"
    (root / "jobs").mkdir(parents=True)
    job = root / "jobs" / "run_pipeline.py"
    job.write_text("print('hi')\n")
    found = ArtifactSet(root=root, version="1.2.3", python="3.11.7", requirements=["x>=1"])
    item = found.add("job", job)
    assert item.sha256 == hashlib.sha256(job.read_bytes()).hexdigest()
    assert item.path == "jobs/run_pipeline.py" and item.size == job.stat().st_size
    found.write()
    doc = json.loads((root / "manifest.json").read_text())
    assert doc["version"] == "1.2.3" and doc["files"][0]["sha256"] == item.sha256
    loaded = ArtifactSet.load(root)
    assert loaded.job("run_pipeline.py") == item
    with pytest.raises(RuntimeSubmissionError, match="has no wheel"):
        loaded.require("wheel", "build it")
    job.write_text("print('changed')\n")
    with pytest.raises(RuntimeSubmissionError, match=r"differs from manifest\.json"):
        ArtifactSet.load(root)


def test_manifest_missing_says_how_to_build(tmp_path):
    with pytest.raises(RuntimeSubmissionError, match="lakehouse package"):
        ArtifactSet.load(tmp_path)


def test_materialize_conf_from_folder_and_zip(conf_dir, tmp_path):
    assert materialize_conf(None) is None
    assert materialize_conf(str(conf_dir)) == conf_dir
    archive = zip_conf(conf_dir, tmp_path / "conf.zip")
    extracted = materialize_conf(archive.as_uri(), workdir=tmp_path)
    assert (extracted / "lake.yaml").read_text() == "project: demo\n"
    assert extracted.name == "conf" and extracted != conf_dir


def test_materialize_conf_rejects_escaping_zip_and_non_zip(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../outside.yaml", "x")
    with pytest.raises(ConfigError, match="escapes the archive"):
        materialize_conf(str(evil), workdir=tmp_path)
    text = tmp_path / "conf.txt"
    text.write_text("nope")
    with pytest.raises(ConfigError, match="not a folder or a zip"):
        materialize_conf(str(text))
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(ConfigError, match=r"no lake\.yaml"):
        materialize_conf(str(empty), workdir=tmp_path)


def test_package_never_wipes_a_folder_it_did_not_make(tmp_path):
    from lakehouse.runtimes.submit.packaging import build_package

    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(RuntimeSubmissionError, match="is not empty"):
        build_package(tmp_path, out)
    assert (out / "thesis.tex").read_text() == "years of work"


def test_a_copy_may_leave_remote_files_out_but_not_others(tmp_path):
    """The trigger Lambda's copy of a set omits the venv archive (listed as remote, in S3)."""
    for name in ("lakehouse.whl", "deps/venv.tar.gz"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(name.encode())
    full = ArtifactSet(root=tmp_path, version="1", python="3.11")
    full.add("wheel", tmp_path / "lakehouse.whl")
    full.add("deps", tmp_path / "deps/venv.tar.gz")
    full.remote = ["deps/venv.tar.gz"]
    full.write()
    (tmp_path / "deps/venv.tar.gz").unlink()
    loaded = ArtifactSet.load(tmp_path)
    assert loaded.remote == ["deps/venv.tar.gz"] and loaded.one("deps").sha256 == full.one("deps").sha256
    (tmp_path / "lakehouse.whl").unlink()
    with pytest.raises(RuntimeSubmissionError, match=r"lakehouse\.whl is missing"):
        ArtifactSet.load(tmp_path)
