"""Load ``conf/`` into a validated :class:`Project` (no Spark).

``conf/lake.yaml`` holds the base settings and ``profiles:``; the selected profile (``--env``)
is deep-merged over the base. ``${env:VAR}`` references are resolved after the merge, so an
unused profile may name variables that are not set.

Every file is read as **YAML 1.2** (the core schema, by ruamel.yaml's safe loader;
:func:`parse_yaml`): only ``true``/``false`` (any case) are booleans and only ``null``/``~``/
nothing is null, so ``values: [No, Yes]``, ``country: NO`` or ``at: 12:30`` keep the text that
was written, where YAML 1.1 (PyYAML) would read ``False``/``True``, ``False`` and ``750``.
Boolean settings still accept ``yes``/``no``/``on``/``off`` (pydantic reads them as booleans).
A key given twice in one mapping is an error. See docs/datasets.md, "How conf/ files are read".
"""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lakehouse.config.envvars import MissingEnvVar, resolve_env
from lakehouse.config.errors import format_validation_error
from lakehouse.config.key_globs import check_dataset_globs
from lakehouse.config.models import DatasetConfig, ExportConfig, LakeConfig
from lakehouse.config.project import Project
from lakehouse.errors import ConfigError

DEFAULT_CONF_DIR = "conf"
M = TypeVar("M", bound=BaseModel)


def default_conf_dir() -> Path:
    return Path(os.environ.get("LAKEHOUSE_CONF", DEFAULT_CONF_DIR))


def load_project(conf_dir: str | Path | None = None, env: str | None = None, *,
                 overlay: Mapping[str, Any] | None = None) -> Project:
    """Read and validate ``conf_dir`` (default ``$LAKEHOUSE_CONF`` or ``./conf``).

    ``overlay``: settings deep-merged over the selected profile, before ``${env:...}``
    resolution and validation (the trigger Lambda receives its stack's values this way).
    """
    conf = Path(conf_dir) if conf_dir else default_conf_dir()
    if not conf.is_dir():
        raise ConfigError(str(conf), ["configuration folder not found"],
                          hint="run from the project root or pass --conf DIR")
    lake_file = conf / "lake.yaml"
    raw = _read_yaml(lake_file, required=True)
    profile = env or os.environ.get("LAKEHOUSE_ENV") or raw.get("default_profile") or "local"
    merged = _apply_profile(lake_file, raw, profile, overlay=overlay)
    lake = _validate(LakeConfig, merged, lake_file)
    datasets = _load_folder(conf / "datasets", DatasetConfig)
    check_dataset_globs(str(conf / "datasets"), datasets)
    exports = _load_folder(conf / "exports", ExportConfig)
    _check_exports(conf / "exports", exports, datasets)
    project_dir = conf.resolve().parent
    return Project(lake=lake, datasets=datasets, exports=exports,
                   conf_dir=conf.resolve(), project_dir=project_dir)


def parse_yaml(text: str, *, source: str) -> Any:
    """``text`` as the project reads every ``conf/`` file: YAML 1.2 core schema (see the module
    docstring). A syntax error or a duplicate key raises :class:`ConfigError` naming ``source``,
    the line and the column."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    reader = YAML(typ="safe", pure=True)  # pure: the same resolver whether or not the C ext is there
    try:
        return reader.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(source, [f"{where}not valid YAML ({problem.strip()})"]) from None


def _read_yaml(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ConfigError(str(path), ["file not found"], hint="create it or pass --conf DIR")
        return {}
    data = parse_yaml(path.read_text(encoding="utf-8"), source=str(path))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), [f"expected a mapping at the top level, got {type(data).__name__}"])
    return data


def resolved_lake_settings(conf_dir: str | Path, profile: str, *,
                           keep: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """``lake.yaml``'s settings for ``profile``: the profile merged over the base, every
    ``${env:...}`` resolved from this process's environment except those ``keep`` accepts.

    The result, written as a ``lake.yaml``, loads to the same settings anywhere.
    """
    lake_file = Path(conf_dir) / "lake.yaml"
    merged = _apply_profile(lake_file, _read_yaml(lake_file, required=True), profile, keep=keep)
    merged.pop("profile", None)
    return merged


def _apply_profile(path: Path, raw: dict[str, Any], profile: str, *,
                   overlay: Mapping[str, Any] | None = None,
                   keep: Callable[[str], bool] | None = None) -> dict[str, Any]:
    base = {k: v for k, v in raw.items() if k not in ("profiles", "default_profile")}
    profiles = raw.get("profiles") or {}
    if not isinstance(profiles, dict):
        raise ConfigError(str(path), ["profiles: expected a mapping of profile name to settings"])
    if profile not in profiles and profile != "local":
        close = difflib.get_close_matches(profile, list(profiles), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known profiles: {sorted(profiles)}"
        raise ConfigError(str(path), [f"profiles.{profile}: no such profile"], hint=hint)
    selected = profiles.get(profile) or {}
    if not isinstance(selected, dict):
        raise ConfigError(str(path), [f"profiles.{profile}: expected a mapping"])
    merged = deep_merge(deep_merge(base, selected), dict(overlay or {}))
    merged["profile"] = profile
    try:
        resolved = resolve_env(merged, keep=keep)
    except MissingEnvVar as exc:
        raise ConfigError(str(path), [str(exc)],
                          hint=f"export {exc.var}=... or give a default: ${{env:{exc.var}:-value}}") from None
    return resolved  # type: ignore[return-value]


def deep_merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overlay`` merged over it: mappings merge key by key, other values replace."""
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _validate(model: type[M], data: dict[str, Any], path: Path) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(path), format_validation_error(exc, model, data)) from None


def _load_folder(folder: Path, model: type[M]) -> dict[str, M]:
    items: dict[str, M] = {}
    seen: dict[str, Path] = {}
    if not folder.is_dir():
        return items
    for path in sorted(folder.glob("*.y*ml")):
        data = _read_yaml(path, required=True)
        item = _validate(model, data, path)
        name = item.name  # type: ignore[attr-defined]
        if name in seen:
            raise ConfigError(str(path), [f"name: {name!r} is already defined in {seen[name]}"])
        seen[name] = path
        items[name] = _with_dqdl(item, path)
    _orphan_dqdl(folder, seen)
    return items


def _with_dqdl(item: M, path: Path) -> M:
    """A dataset with its DQDL ruleset, when ``<stem>.dqdl`` lies beside its contract."""
    ruleset = path.with_suffix(".dqdl")
    rules = getattr(item, "rules", None)
    if rules is None or not ruleset.is_file():
        return item
    from lakehouse.config.quality_spec import DqdlSource

    source = DqdlSource(file=str(ruleset), text=ruleset.read_text(encoding="utf-8"))
    return item.model_copy(update={"rules": rules.model_copy(update={"dqdl": source})})


def _orphan_dqdl(folder: Path, contracts: dict[str, Path]) -> None:
    stems = {p.stem for p in contracts.values()}
    for path in sorted(folder.glob("*.dqdl")):
        if path.stem not in stems:
            raise ConfigError(str(path), [f"no contract {path.stem}.yaml beside this DQDL ruleset"],
                              hint="name the ruleset after its dataset's contract file")


def _check_exports(folder: Path, exports: dict[str, ExportConfig],
                   datasets: dict[str, DatasetConfig]) -> None:
    for export in exports.values():
        for name in export.inputs:
            if name not in datasets:
                close = difflib.get_close_matches(name, list(datasets), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"datasets: {sorted(datasets)}"
                raise ConfigError(str(folder / f"{export.name}.yaml"),
                                  [f"inputs: unknown dataset {name!r}"], hint=hint)
