"""Find the files to onboard, detect their format and reader options, place them in landing.

Spark-free. The format comes from the extension (``.csv``, ``.tsv``, ``.json``, ``.jsonl``,
``.ndjson``, ``.parquet``, each optionally ``.gz``); a JSON file whose first character is
``[`` is a JSON array (Spark's ``multiLine``); a CSV delimiter is sniffed from the header.
"""

from __future__ import annotations

import csv
import gzip
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehouse.errors import SourceError
from lakehouse.sources.landing import LandingFile
from lakehouse.storage import files
from lakehouse.storage.uri import is_local, join_uri, local_path

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "json",
           ".ndjson": "json", ".parquet": "parquet", ".pq": "parquet"}
COMPRESSED = (".gz", ".gzip")


@dataclass
class SourceFiles:
    """The files found under ``--from`` and how Spark should read them."""

    paths: list[Path]
    format: str
    options: dict[str, Any] = field(default_factory=dict)
    pattern: str = "*"


def find_source_files(path: Path) -> SourceFiles:
    """Data files at ``path`` (a file or a folder, searched recursively) of one format."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder", hint="pass a landing file or folder to --from")
    candidates = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.is_file() and not p.name.startswith((".", "_")))
    typed = [(p, data_format(p)) for p in candidates]
    found = [(p, f) for p, f in typed if f]
    if not found:
        raise SourceError(f"{path}: no CSV, JSON or Parquet file found",
                          hint=f"known extensions: {', '.join(sorted(FORMATS))} (optionally .gz)")
    formats = sorted({f for _, f in found})
    if len(formats) > 1:
        raise SourceError(f"{path}: files of several formats ({', '.join(formats)})",
                          hint="onboard one format per dataset: point --from at one kind of file")
    paths = [p for p, _ in found]
    fmt = formats[0]
    return SourceFiles(paths=paths, format=fmt, options=reader_options(paths[0], fmt),
                       pattern=file_pattern(paths))


def data_format(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSED:
        suffixes.pop()
    return FORMATS.get(suffixes[-1]) if suffixes else None


def file_pattern(paths: list[Path]) -> str:
    """A glob matching every file: ``*.csv*`` covers ``.csv`` and ``.csv.gz`` deliveries."""
    exts = {_base_suffix(p) for p in paths}
    return f"*{exts.pop()}*" if len(exts) == 1 else "*"


def _base_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSED:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def head_text(path: Path, size: int = 1 << 16) -> str:
    opener = gzip.open if path.suffix.lower() in COMPRESSED else open
    try:
        with opener(path, "rb") as handle:
            return handle.read(size).decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc})", hint="is the file complete?") from exc


def reader_options(path: Path, fmt: str) -> dict[str, Any]:
    """Spark reader options the ingest stage needs for this file."""
    if fmt == "parquet":
        return {}
    head = head_text(path)
    if fmt == "json":
        return {"multiLine": True} if head.lstrip()[:1] == "[" else {}
    first = head.splitlines()[0] if head else ""
    if not first.strip():
        raise SourceError(f"{path}: empty file or missing header line",
                          hint="the first line of a CSV file must name the columns")
    options: dict[str, Any] = {"header": True}
    try:
        sep = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    if sep != ",":
        options["sep"] = sep
    return options


def place_in_landing(landing_uri: str, name: str, source: SourceFiles) -> tuple[str, list[LandingFile]]:
    """Where the dataset's files live under landing (copied to ``<landing>/<name>/`` unless they
    already are under the landing zone). Returns the folder relative to landing and the files."""
    folder = _inside_landing(landing_uri, source.paths)
    if folder is None:
        folder = name
        for path in source.paths:
            target = join_uri(landing_uri, name, path.name)
            if is_local(target):
                local_path(target).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, local_path(target))
            else:
                files.write_bytes(target, path.read_bytes())
    found = [LandingFile(info.uri, files.relative_to(info.uri, landing_uri), info.size, info.modified,
                         info.etag)
             for info in files.list_files(join_uri(landing_uri, folder))]
    names = {p.name for p in source.paths}
    return folder, [f for f in found if f.rel_path.rsplit("/", 1)[-1] in names]


def _inside_landing(landing_uri: str, paths: list[Path]) -> str | None:
    if not is_local(landing_uri):
        return None
    root = local_path(landing_uri).resolve()
    parents = {p.resolve().parent for p in paths}
    if len(parents) != 1:
        return None
    parent = parents.pop()
    try:
        rel = parent.relative_to(root)
    except ValueError:
        return None
    return rel.as_posix() if rel.parts else None
