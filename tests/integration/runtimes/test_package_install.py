"""``lakehouse package``: the artifact set, its venv archive, and the wheel in a clean venv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
from runtime_helpers import REPO_ROOT

from lakehouse.runtimes.submit.packaging import zip_conf
from lakehouse.testing.delta import read_delta

pytestmark = [pytest.mark.integration, pytest.mark.slow]
WHEEL = "lakehouse-0.1.0-py3-none-any.whl"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("LAKEHOUSE_")}


def test_artifact_set_and_manifest(artifact_set):
    root = artifact_set.root
    manifest = json.loads((root / "manifest.json").read_text())
    roles = {f["path"]: f["role"] for f in manifest["files"]}
    assert roles == {WHEEL: "wheel", "jobs/run_pipeline.py": "job", "conf.zip": "conf",
                     "requirements-cluster.txt": "requirements",
                     "requirements-spark4.txt": "requirements-spark4",
                     "glue/lakehouse-deps-py311-x86_64.gluewheels.zip": "glue-wheels",
                     "glue/lakehouse-deps-py313-x86_64.gluewheels.zip": "glue-wheels-spark4",
                     "deps/pyspark_venv.tar.gz": "deps"}
    assert manifest["version"] == "0.1.0" and manifest["python"].startswith("3.")
    reqs = (root / "requirements-cluster.txt").read_text().split()
    assert reqs == manifest["requirements"]
    assert any(r.startswith("deltalake") for r in reqs)
    assert not any(r.startswith(("pyspark", "delta-spark")) for r in reqs)
    spark4 = (root / "requirements-spark4.txt").read_text().split()
    assert spark4 == [r for r in reqs if not r.startswith(("numpy", "pandas"))] != reqs
    with zipfile.ZipFile(root / WHEEL) as zf:
        names = zf.namelist()
    assert "lakehouse/runtimes/cluster/entry.py" in names and not any("tests/" in n for n in names)
    with zipfile.ZipFile(root / "conf.zip") as zf:
        assert "conf/lake.yaml" in zf.namelist()
    assert (root / "jobs" / "run_pipeline.py").read_bytes() == \
        (REPO_ROOT / "jobs" / "run_pipeline.py").read_bytes()


def test_wheel_imports_as_a_zip_like_glue_extra_py_files(artifact_set, tmp_path):
    """Glue puts the wheel on --extra-py-files: the library must import from the zip itself."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import lakehouse.runtimes.cluster.entry, "
            "lakehouse.config; print(lakehouse.__file__)")
    done = subprocess.run([sys.executable, "-c", code, str(artifact_set.root / WHEEL)],
                          cwd=tmp_path, env=_clean_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(artifact_set.root / WHEEL / "lakehouse" / "__init__.py")


PROBE = """
import json, sys, importlib, importlib.util, os, tinydep
maps = sorted({l.split()[-1] for l in open("/proc/self/maps") if l.split()[-1].startswith("/")})
print(json.dumps({"executable": sys.executable, "prefix": sys.prefix,
                  "base_prefix": sys.base_prefix, "os": os.__file__,
                  "ssl": importlib.import_module("_ssl").__file__,
                  "tinydep": tinydep.__file__,
                  "lakehouse": importlib.util.find_spec("lakehouse").origin,
                  "path": sys.path, "maps": maps}))
"""


def _hidden_run(paths: list[str], cmd: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess,
                                                                      bool]:
    """Run ``cmd`` with ``paths`` hidden behind empty mounts (a private mount namespace), or
    plainly where namespaces are not allowed; says which."""
    clean = {"PATH": "/usr/bin:/bin"}  # no PYTHONHOME/PYTHONPATH/VIRTUAL_ENV, nothing else
    if shutil.which("unshare"):
        mounts = " && ".join(f"mount -t tmpfs none '{p}'" if Path(p).is_dir()
                             else f"mount --bind /dev/null '{p}'" for p in paths)
        script = f"{mounts} && exec \"$@\""
        hidden = subprocess.run(["unshare", "--map-root-user", "--mount", "sh", "-c", script,
                                 "sh", *cmd], cwd=cwd, env=clean, capture_output=True, text=True)
        if hidden.returncode == 0 or "unshare:" not in hidden.stderr:
            return hidden, True
    return subprocess.run(cmd, cwd=cwd, env=clean, capture_output=True, text=True), False


def test_deps_archive_is_self_contained_with_the_build_interpreter_hidden(artifact_set, tmp_path):
    """Unpacked elsewhere, with the interpreter that built it hidden (its stdlib, prefix and
    libpython behind empty mounts), the archive's Python starts, and its prefix, stdlib, C
    extensions, libpython and packages all come from the archive."""
    import sysconfig

    archive = artifact_set.root / "deps" / "pyspark_venv.tar.gz"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        python = tar.getmember("bin/python")
        cfg = tar.extractfile("pyvenv.cfg").read().decode()
        tar.extractall(tmp_path / "unpacked" / "environment", filter="tar")
    xy = f"{sys.version_info.major}.{sys.version_info.minor}"
    site = f"lib/python{xy}/site-packages"
    assert f"{site}/lakehouse/runtimes/cluster/entry.py" in names and f"{site}/tinydep/__init__.py" in names
    assert python.isfile() and not python.issym()           # a copy, not a link to this machine
    assert f"lib/python{xy}/os.py" in names                  # the stdlib travels with it
    assert not any(n.startswith("/") or ".." in n for n in names)
    assert not any("__pycache__" in n for n in names) and "home" not in cfg
    assert {n.split("/")[1] for n in names if n.startswith("bin/")} <= {"python", "python3",
                                                                      f"python{xy}"}
    env = tmp_path / "unpacked" / "environment"
    builder = [sysconfig.get_path("stdlib"), sys.base_prefix]
    hide = sorted({p for p in builder if Path(p).exists() and not str(env).startswith(p)})
    hide = [p for p in hide if not any(p != q and p.startswith(q + "/") for q in hide)]
    done, hidden = _hidden_run(hide, [str(env / "bin" / "python"), "-c", PROBE], cwd=Path("/"))
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    inside = str(env) + "/"
    assert info["prefix"] == info["base_prefix"] == str(env)
    for key in ("executable", "os", "ssl", "tinydep", "lakehouse"):
        assert info[key].startswith(inside), (key, info[key])
    assert all(p.startswith(inside) or p.endswith(".zip") for p in info["path"] if p)
    python_files = [m for m in info["maps"] if "python" in Path(m).name or "/python" in m]
    assert python_files and all(m.startswith(inside) for m in python_files), python_files
    assert not any(m.startswith(tuple(hide)) for m in info["maps"])
    print(f"build interpreter hidden with a mount namespace: {hidden}; hidden paths: {hide}")


def test_cli_package_is_reproducible(tmp_path):
    # a snapshot of the sources: the shared work tree may change between two builds
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "lakehouse", "jobs", "conf"):
        copy = shutil.copytree if (REPO_ROOT / name).is_dir() else shutil.copyfile
        copy(REPO_ROOT / name, src / name,
             **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree
                else {}))
    sets = []
    for out in (tmp_path / "one", tmp_path / "two"):
        done = subprocess.run([sys.executable, "-m", "lakehouse.cli.main", "package", "--out",
                               str(out), "--project-dir", str(src), "--skip-deps-archive",
                               "--skip-glue-wheels"],
                              cwd=tmp_path, env={**_clean_env(), "PYTHONPATH": str(REPO_ROOT)},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "manifest" in done.stdout and WHEEL in done.stdout
        files = json.loads((out / "manifest.json").read_text())["files"]
        sets.append({f["path"]: f["sha256"] for f in files})
        assert not (out / "deps").exists()
    assert sets[0] == sets[1]
    assert set(sets[0]) == {WHEEL, "jobs/run_pipeline.py", "conf.zip", "requirements-cluster.txt",
                            "requirements-spark4.txt"}


@pytest.mark.spark
def test_wheel_in_clean_venv_runs_the_job_entry_point(artifact_set, tiny_project, tmp_path):
    """The wheel alone (no source tree) runs a stage; conf comes from a conf zip.

    Third-party dependencies are not downloaded again: a ``.pth`` file appends this
    environment's site-packages (pyspark, deltalake, ...) after the clean venv's own, and
    ``lakehouse`` itself comes only from the installed wheel.
    """
    venv = tmp_path / "clean"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", str(artifact_set.root / WHEEL)],
                   check=True, env=_clean_env())
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], capture_output=True, text=True, check=True)
    Path(site.stdout.strip(), "zz_host_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    where = subprocess.run([str(python), "-c", "import lakehouse; print(lakehouse.__file__)"],
                           cwd=tmp_path, env=_clean_env(), capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr

    conf_zip = zip_conf(tiny_project / "conf", tmp_path / "conf.zip")
    job = artifact_set.root / "jobs" / "run_pipeline.py"
    done = subprocess.run([str(python), str(job), "--JOB_NAME", "clean-venv", "--dataset",
                           "airports", "--stage", "ingest", "--conf-uri", str(conf_zip)],
                          cwd=tmp_path, env={**_clean_env(), "PYSPARK_PYTHON": str(python)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "airports  ingest  succeeded" in done.stdout


    assert read_delta(str(tiny_project / ".lake" / "raw" / "airports")) \
        .num_rows == 3


def test_unchanged_package_reuses_the_cached_deps_archive(tmp_path):
    """Second build: same requirements + Python -> the archive comes from the cache, no pip."""
    from runtime_helpers import make_tiny_lock, make_tiny_wheel

    from lakehouse.runtimes.submit.packaging import build_package

    project = tmp_path / "project"  # a frozen copy: the same sources for both builds
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(REPO_ROOT / name, project / name)
    for name in ("lakehouse", "jobs", "conf"):
        shutil.copytree(REPO_ROOT / name, project / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    links = tmp_path / "links"
    links.mkdir()
    lock = make_tiny_lock(make_tiny_wheel(links), tmp_path / "cluster-py.txt")
    cache, lines = tmp_path / "cache", []
    kwargs = {"deps_archive": True, "lock": lock, "glue_wheels": False,
              "pip_args": ["--no-index", f"--find-links={links}"], "cache_dir": cache,
              "progress": lines.append}
    first = build_package(project, tmp_path / "dist1", **kwargs)
    assert any("self-contained Python" in line and "cache miss" in line for line in lines)
    assert len(list((cache / "deps").glob("archive-*.tar.gz"))) == 1
    saved = tmp_path / "saved-links"
    shutil.move(links, saved)  # pip would now fail: a rebuild cannot succeed
    lines.clear()
    second = build_package(project, tmp_path / "dist2", **kwargs)
    assert any(line.startswith("dependency archive: reused") for line in lines), lines
    assert not any("building" in line or "installing" in line for line in lines)
    deps = "deps/pyspark_venv.tar.gz"
    assert (first.root / deps).read_bytes() == (second.root / deps).read_bytes()
    with tarfile.open(second.root / deps) as tar:
        assert any("tinydep-0.1.dist-info" in n for n in tar.getnames())
    # the lock's content changed (a new pin): the key changes, the environment is rebuilt
    shutil.move(saved, links)
    make_lock = make_tiny_lock(make_tiny_wheel(links, version="0.2"), lock)
    lines.clear()
    third = build_package(project, tmp_path / "dist3", **{**kwargs, "lock": make_lock})
    assert any("cache miss" in line for line in lines), lines
    with tarfile.open(third.root / deps) as tar:
        names = tar.getnames()
    assert any("tinydep-0.2.dist-info" in n for n in names)
    assert not any("tinydep-0.1.dist-info" in n for n in names)
