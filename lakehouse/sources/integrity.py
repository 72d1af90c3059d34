"""Checks that a landing file can be read as declared, before or right after Spark reads it.

Each check names the file (and the line or column) and says what to change, so a bad file
fails its dataset's ingest with an actionable :class:`SourceError` instead of a Spark stack
trace, a silently mangled value or a misaligned column. No Spark here.
"""

from __future__ import annotations

import codecs
import difflib
import zlib
from collections.abc import Iterable, Sequence

from lakehouse.errors import SourceError
from lakehouse.sources.landing import LandingFile
from lakehouse.sources.naming import safe_column_names

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32LE"), (codecs.BOM_UTF32_BE, "UTF-32BE"),
         (codecs.BOM_UTF16_LE, "UTF-16LE"), (codecs.BOM_UTF16_BE, "UTF-16BE"))
_OTHER_SEPARATORS = (";", "\t", "|", ",")
REPLACEMENT = "\ufffd"
GZIP_OUTPUT_LIMIT = 1 << 20   # bytes inflated per call by check_gzip


def is_utf8(encoding: str | None) -> bool:
    """True for the default (UTF-8) reading, the one Spark silently repairs with U+FFFD."""
    return (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8")


def check_head(rel: str, head: bytes, encoding: str | None) -> None:
    """A UTF-16/32 file (by its byte-order mark or NUL bytes) read as UTF-8 is refused."""
    if not is_utf8(encoding):
        return
    found = next((name for bom, name in _BOMS if head.startswith(bom)), None)
    if found is None and b"\x00" in head[:4096]:
        found = "UTF-16 or binary (it holds NUL bytes)"
    if found:
        raise SourceError(
            f"{rel}: the file is {found}, not UTF-8; nothing of this file was ingested",
            hint="re-encode it as UTF-8, or set source.options {encoding: UTF-16, "
                 "multiLine: true} for this dataset")


def check_gzip(rel: str, chunks: Iterable[bytes]) -> None:
    """Decompress the whole stream: a truncated or corrupt gzip file is named, not read half.

    Memory stays bounded whatever the file's size or compression ratio: ``chunks`` arrive
    streamed (``storage.files.iter_chunks``) and each call inflates at most
    ``GZIP_OUTPUT_LIMIT`` bytes, which are dropped at once (a megabyte of zeros inflates to
    a gigabyte).
    """
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        for chunk in chunks:
            data = chunk
            while data:
                decoder.decompress(data, GZIP_OUTPUT_LIMIT)
                data = decoder.unconsumed_tail
                if decoder.eof and not data:      # a member ended: another may follow
                    data = decoder.unused_data
                    if data:
                        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    except zlib.error as exc:
        raise SourceError(f"{rel}: not a readable gzip file ({exc}); nothing of this file "
                          "was ingested", hint="the producer's upload is corrupt: deliver "
                                               "the file again") from None
    if not decoder.eof:
        raise SourceError(f"{rel}: truncated gzip file (the stream ends before its end "
                          "marker); nothing of this file was ingested",
                          hint="the upload was cut short: deliver the file again")


def check_parquet(rel: str, head: bytes, tail: bytes) -> None:
    """A Parquet file starts and ends with the magic ``PAR1``; anything else is refused."""
    if not (head.startswith(b"PAR1") and tail.endswith(b"PAR1")):
        where = "start" if not head.startswith(b"PAR1") else "end (truncated?)"
        raise SourceError(f"{rel}: not a Parquet file (no PAR1 magic at its {where}); "
                          "nothing of this file was ingested",
                          hint="the upload is corrupt or not Parquet: deliver the file again")


def check_header(rel: str, header: Sequence[str], wanted: Sequence[str], *, sep: str) -> None:
    """Every declared source column must be in the file's header (safe names compared).

    Catches a wrong delimiter (the header reads as one column), a renamed column and a
    dropped one, per file, before the file is misaligned or read as nulls.
    """
    check_columns(rel, header, wanted, sep=sep)


def check_columns(rel: str, present: Sequence[str], wanted: Sequence[str], *,
                  sep: str | None = None, what: str = "the header lacks",
                  listing: str = "header") -> None:
    """Raise naming the declared columns of ``wanted`` that ``present`` lacks (safe names
    compared), with the closest present name as a rename hint.

    ``what`` / ``listing`` word the message for the file's kind: a CSV header, a Parquet
    schema, the keys of a JSON file's records. ``sep`` (CSV) detects a wrong delimiter.
    """
    safe = safe_column_names(list(present))
    missing = [w for w in wanted if w not in safe and safe_column_names([w])[0] not in safe]
    if not missing:
        return
    found = ", ".join(repr(h) for h in present) or "none"
    other = next((s for s in _OTHER_SEPARATORS if s != sep and s in present[0]), None) \
        if sep is not None and len(present) == 1 else None
    if other:
        named = [repr(c) for c in missing]
        hint = f"the header looks {other!r}-separated: set source.options.sep: {other!r}"
    else:
        named = []
        for col in missing:
            close = difflib.get_close_matches(safe_column_names([col])[0], safe, n=1)
            named.append(f"{col!r}" + (f" (found {close[0]!r}: renamed?)" if close else ""))
        hint = ("map a renamed column with `source:` in the dataset contract, or fix the "
                "producer's file; schema_policy: permissive accepts such files")
    raise SourceError(f"{rel}: {what} declared column(s) {', '.join(named)} "
                      f"({listing}: {found}); nothing of this file was ingested", hint=hint)


def first_bad_line(lines: Iterable[bytes], encoding: str = "utf-8") -> tuple[int, int] | None:
    """(1-based line, byte value) of the first byte of ``lines`` that does not decode, or None.

    ``lines`` may be a stream (``readers.landing_lines``): the file is never held whole.
    """
    for number, line in enumerate(lines, start=1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError as exc:
            return number, line[exc.start]
    return None


def changed_while_read(rel: str, differences: Sequence[str]) -> SourceError:
    """The refusal of a file that changed (or vanished) between its listing and its read."""
    what = f"{rel} ({', '.join(differences)})" if differences else rel
    return SourceError(f"{what} changed while being read; nothing of this file was ingested",
                       hint="the producer was still writing: it is read again once it changes "
                            "(write to a temporary name, then rename)")


def read_failure(exc: BaseException, batch: Sequence[LandingFile]) -> SourceError:
    """Spark's read error as a SourceError naming the file it was reading, when it says so."""
    import re
    from urllib.parse import unquote

    text = unquote(str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    hits = [f.rel_path for f in batch if f.rel_path in text]
    rel = max(hits, key=len) if hits else (batch[0].rel_path if len(batch) == 1 else None)
    where = rel or f"one of {len(batch)} file(s)"
    duplicate = re.search(r"COLUMN_ALREADY_EXISTS\] The column (`[^`]+`)", text)
    if duplicate:
        return SourceError(f"{where}: JSON keys differ only in case ({duplicate.group(1)}); "
                           "Spark matches column names case-insensitively; nothing of this "
                           f"{'file' if rel else 'batch'} was ingested",
                           hint="rename one of the keys at the producer")
    cause = next((line for line in lines if rel and rel in line and "Exception" in line), None) \
        or next((line for line in lines if "Exception:" in line), lines[0] if lines else "")
    cause = cause.rsplit("Exception: ", 1)[-1]
    if rel:
        cause = re.sub(r"file:\S*?" + re.escape(rel), rel, cause)
    return SourceError(f"{where}: Spark could not read it ({cause[:300]}); nothing of this "
                       f"{'file' if rel else 'batch'} was ingested",
                       hint="fix or re-deliver the file (or its declared format/options) and "
                            "run again")
