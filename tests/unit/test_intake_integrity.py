"""File checks of the intake path (no Spark): each names the file and what to change."""

from __future__ import annotations

import codecs
import gzip

import pytest

from lakehouse.errors import SourceError
from lakehouse.sources import integrity
from lakehouse.sources.landing import LandingFile
from lakehouse.sources.malformed import json_problem
from lakehouse.sources.readers import file_path


def _fails(fn, *args, **kwargs) -> str:
    with pytest.raises(SourceError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_gzip_whole_concatenated_truncated_and_junk() -> None:
    data = gzip.compress(b"a\n" * 1000)
    integrity.check_gzip("x.gz", [data[:10], data[10:]])
    integrity.check_gzip("x.gz", [data + gzip.compress(b"b\n")])          # two members
    assert "x.gz: truncated gzip file" in _fails(integrity.check_gzip, "x.gz", [data[:-8]])
    assert "x.gz: not a readable gzip file" in _fails(integrity.check_gzip, "x.gz", [b"nope"])


def test_parquet_magic_at_both_ends() -> None:
    integrity.check_parquet("p.parquet", b"PAR1", b"PAR1")
    assert "its end (truncated?)" in _fails(integrity.check_parquet, "p.parquet", b"PAR1", b"xx")
    assert "at its start" in _fails(integrity.check_parquet, "p.parquet", b"junk", b"PAR1")


def test_header_checks_delimiter_rename_and_source_names() -> None:
    integrity.check_header("a.csv", ["Culmen Length (mm)", "ID"], ["culmen_length_mm", "id"],
                           sep=",")
    integrity.check_header("a.csv", ["Culmen Length (mm)"], ["Culmen Length (mm)"], sep=",")
    text = _fails(integrity.check_header, "a.csv", ["id|name"], ["id", "name"], sep=",")
    assert "a.csv: the header lacks declared column(s) 'id', 'name'" in text
    assert "set source.options.sep: '|'" in text
    text = _fails(integrity.check_header, "a.csv", ["id", "amt"], ["id", "amount"], sep=",")
    assert "'amount' (found 'amt': renamed?)" in text


def test_encoding_head_and_first_bad_line() -> None:
    for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE):
        assert "not UTF-8" in _fails(integrity.check_head, "u.csv", bom + b"a", None)
    assert "NUL bytes" in _fails(integrity.check_head, "u.csv", "id".encode("utf-16-le"), None)
    integrity.check_head("u.csv", codecs.BOM_UTF16_LE + b"a", "UTF-16")   # declared: fine
    integrity.check_head("u.csv", codecs.BOM_UTF8 + b"id", None)           # UTF-8 BOM: fine
    assert integrity.first_bad_line("a\nb\ncaf\xe9\n".encode("latin-1").split(b"\n")) == (3, 0xE9)
    assert integrity.first_bad_line([b"ok", b""]) is None


def test_changed_file_refusal_names_what_changed() -> None:
    error = integrity.changed_while_read("d/a.csv", ["size 10 -> 12", "modified a -> b"])
    assert str(error).startswith("d/a.csv (size 10 -> 12, modified a -> b) changed while being "
                                 "read; nothing of this file was ingested")
    assert "read again once it changes" in str(error)


def test_json_and_parquet_column_wording() -> None:
    text = _fails(integrity.check_columns, "j.jsonl", ["id", "amt"], ["id", "amount"],
                  what="no record has a value for required", listing="keys with values")
    assert text.startswith("j.jsonl: no record has a value for required declared column(s) "
                           "'amount' (found 'amt': renamed?) (keys with values: 'id', 'amt')")


def test_read_failure_names_the_file_and_strips_spark_noise() -> None:
    batch = [LandingFile("u", "p/a.parquet", 1, 1.0), LandingFile("u", "p/b.parquet", 1, 1.0)]
    exc = RuntimeError("An error occurred while calling o1.collect.\n: org.apache.spark."
                       "SparkException: Job aborted: org.apache.spark.SparkException: Parquet "
                       "column cannot be converted in file file:///l/p/b.parquet. Column: [x]\n"
                       "\tat org.apache.Foo")
    assert str(integrity.read_failure(exc, batch)).startswith(
        "p/b.parquet: Spark could not read it (Parquet column cannot be converted in file "
        "p/b.parquet. Column: [x]); nothing of this file was ingested")
    dup = RuntimeError("[COLUMN_ALREADY_EXISTS] The column `name` already exists.")
    assert "one of 2 file(s): JSON keys differ only in case (`name`)" in str(
        integrity.read_failure(dup, batch))


def test_too_deep_json_is_explained_not_raised() -> None:
    assert json_problem("[" * 100_000 + "]" * 100_000).rule == "malformed:too_deep"


def test_file_names_are_not_globs_for_spark() -> None:
    assert file_path("file:///l/x%5B1%5D%7Ba,b%7D%3F*.csv") == r"file:///l/x\[1\]\{a,b\}\?\*.csv"
