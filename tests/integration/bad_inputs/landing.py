"""The bad landing files of the catalogue, built in code: one folder (dataset) per case,
except ``rows``, whose files gather the row-level cases of one curated dataset."""

from __future__ import annotations

import gzip
import io

HEADER = "id,name,amount"
BASE = [{"name": "id", "type": "int", "nullable": False},
        {"name": "name", "type": "string"},
        {"name": "amount", "type": "double"}]
ROWS_SCHEMA = [{"name": "id", "type": "int"},             # the key: nullable as declared
               {"name": "name", "type": "string"}, {"name": "amount", "type": "double"},
               {"name": "big", "type": "bigint"}, {"name": "price", "type": "decimal(5,2)"},
               {"name": "d", "type": "date"},
               {"name": "d2", "type": "date", "format": "yyyy/MM/dd"}]
ROWS_HEADER = "id,name,amount,big,price,d,d2"
BIG_VALUE = "x" * (10 * 1024 * 1024)
LATIN1_TEXT = f"{HEADER}\n1,café,1.0\n2,Müller,2.0\n"

# rows/values.csv: (name = case label, the CSV line); the expected curate outcome is in the tests
VALUES = [
    ("ok", "1,ok,1.5,9223372036854775807,123.45,2024-01-31,2024/01/31"),
    ("int_overflow", "2147483648,int_overflow,1,1,1,,"),
    ("bigint_overflow", "3,bigint_overflow,1,9223372036854775808,1,,"),
    ("double_overflow", "4,double_overflow,1e400,1,1,,"),
    ("negative_double_overflow", "5,negative_double_overflow,-1e400,1,1,,"),
    ("decimal_overflow", "6,decimal_overflow,1,1,12345.678,,"),
    ("date_slashes", "7,date_slashes,1,1,1,2024/01/31,"),
    ("date_dotted", "8,date_dotted,1,1,1,31.01.2024,"),
    ("date_feb_30", "9,date_feb_30,1,1,1,2024-02-30,"),
    ("date_month_13", "10,date_month_13,1,1,1,2023-13-01,"),
    ("format_feb_29_2023", "11,format_feb_29_2023,1,1,1,,2023/02/29"),
    ("format_feb_29_2024", "12,format_feb_29_2024,1,1,1,,2024/02/29"),
    ("format_iso_in_slash_column", "13,format_iso_in_slash_column,1,1,1,,2024-02-29"),
    ("type_change", "14,type_change,two,1,1,,"),
    ("null_key", ",null_key,1,1,1,,"),
    ("duplicate_key_a", "20,duplicate_key_a,1,1,1,,"),
    ("duplicate_key_b", "20,duplicate_key_b,2,1,1,,"),
]


def dataset(folder: str, *, schema: list | None = None, pattern: str = "*.csv",
            fmt: str = "csv", **source) -> dict:
    return {"name": folder,
            "source": {"format": fmt, "path": folder, "pattern": pattern, **source},
            "schema": schema or BASE, "primary_key": ["id"]}


def _parquet(rows: dict) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.table(rows), out)
    return out.getvalue()


def nested(depth: int, key: int) -> str:
    return f'{{"id": {key}, "a": ' + '{"b": ' * depth + '"deep"' + "}" * depth + "}"


GOOD_PARQUET = _parquet({"id": [1, 2], "name": ["a", "b"], "amount": [1.5, 2.5]})
GOOD_GZIP = gzip.compress(f"{HEADER}\n1,a,1.0\n2,b,2.0\n".encode())
JSON_SCHEMA = [{"name": "id", "type": "int", "nullable": False}, {"name": "a", "type": "string"}]
# json_cols: a required column (amount), an optional one (note)
JSON_COLS_SCHEMA = [{"name": "id", "type": "int", "nullable": False},
                    {"name": "amount", "type": "double", "nullable": False},
                    {"name": "note", "type": "string"}]
ALL_INVALID_JSON = b'{"id": 1,\nnot json\n\n{"id": }\n'      # 3 records, none valid


def datasets() -> dict[str, dict]:
    """Dataset contracts, one per folder."""
    out = [
        dataset("rows", schema=ROWS_SCHEMA),
        dataset("delim"), dataset("latin1"),
        dataset("latin1_ok", options={"encoding": "ISO-8859-1"}),
        dataset("utf16"), dataset("utf16_ok", options={"encoding": "UTF-16", "multiLine": True}),
        dataset("gz_truncated", pattern="*.csv.gz"), dataset("gz_junk", pattern="*.csv.gz"),
        dataset("pq_junk", fmt="parquet", pattern="*.parquet"),
        dataset("pq_truncated", fmt="parquet", pattern="*.parquet"),
        dataset("pq_types", fmt="parquet", pattern="*.parquet"),
        dataset("json", fmt="json", pattern="*.json*", schema=JSON_SCHEMA),
        dataset("json_dupes", fmt="json", pattern="*.jsonl"),
        dataset("drift_missing"), dataset("drift_renamed"),
        dataset("changing"), dataset("hostile"),
        dataset("json_invalid", fmt="json", pattern="*.jsonl", schema=JSON_SCHEMA),
        dataset("json_cols", fmt="json", pattern="*.jsonl", schema=JSON_COLS_SCHEMA),
        dataset("pq_missing", fmt="parquet", pattern="*.parquet"),
    ]
    return {d["name"]: d for d in out}


HOSTILE_NAMES = ["café ünï.csv", "100%.csv", "a+b.csv", "sp ace.csv", "%20x.csv", "x[1].csv",
                 "{a,b}.csv", "q?.csv"]


def files() -> dict[str, bytes]:
    """Landing files (relative path -> bytes)."""
    values = ROWS_HEADER + "\n" + "".join(line + "\n" for _, line in VALUES)
    out = {
        "rows/values.csv": values.encode(),
        "rows/crlf.csv": (f"{ROWS_HEADER}\r\n30,crlf_1,1.0,1,1,,\r\n31,crlf_2,2.0,1,1,,\r\n"
                          "32,crlf_too_many,3.0,1,1,,,EXTRA\r\n33,crlf_too_few,4.0\r\n").encode(),
        "rows/bom.csv": ("\ufeff" + f"{ROWS_HEADER}\n40,bom,1.0,1,1,,\n").encode(),
        "rows/big.csv": f"{ROWS_HEADER}\n50,{BIG_VALUE},1.0,1,1,,\n".encode(),
        "rows/names.csv": (b"ID,Name,Amount,big,price,d,d2,Full Name (first),a.b,AMOUNT\n"
                           b"70,unsafe_names,1.5,1,1,,,Ann,x,2.5\n"),
        "rows/new_column.csv": f"{ROWS_HEADER},extra\n60,new_column,1.0,1,1,,,surplus\n".encode(),
        "delim/a.csv": b"id;name;amount\n1;a;1.0\n2;b;2.0\n",
        "latin1/a.csv": LATIN1_TEXT.encode("latin-1"),
        "latin1_ok/a.csv": LATIN1_TEXT.encode("latin-1"),
        "utf16/a.csv": f"{HEADER}\n1,a,1.0\n2,b,2.0\n".encode("utf-16"),
        "utf16_ok/a.csv": f"{HEADER}\n1,ä,1.0\n2,b,2.0\n".encode("utf-16"),
        "gz_truncated/good.csv.gz": GOOD_GZIP,
        "gz_truncated/cut.csv.gz": gzip.compress(
            (HEADER + "\n" + "".join(f"{i},n{i},{i}.5\n" for i in range(3, 2000))).encode()
        )[:-200],
        "gz_junk/good.csv.gz": GOOD_GZIP,
        "gz_junk/junk.csv.gz": b"this is not gzip at all\n" * 10,
        "pq_junk/good.parquet": GOOD_PARQUET,
        "pq_junk/junk.parquet": b"PAR1 this is not parquet" * 10,
        "pq_truncated/good.parquet": GOOD_PARQUET,
        "pq_truncated/cut.parquet": GOOD_PARQUET[: len(GOOD_PARQUET) // 2],
        "pq_types/a.parquet": GOOD_PARQUET,
        "pq_types/b.parquet": _parquet({"id": [3], "name": ["c"], "amount": ["3.5"]}),
        "json/array.json": b'[\n  {"id": 1, "name": "a", "amount": 1.0},\n'
                             b'  {"id": 2, "name": "b", "amount": 2.0}\n]\n'
                             b'[{"id": 3, "name": "c"}, {"id": 4, "name": "d"}]\n',
        "json/deep.jsonl": "\n".join([nested(30, 1), nested(1500, 2),
                                        '{"id": 3, "a": "flat"}']).encode() + b"\n",
        "json_dupes/a.jsonl": b'{"id": 1, "Name": "upper", "name": "lower", "amount": 1}\n',
        "drift_missing/a.csv": f"{HEADER}\n1,a,1.0\n".encode(),
        "drift_missing/b.csv": b"id,name\n2,b\n",
        "drift_renamed/a.csv": f"{HEADER}\n1,a,1.0\n".encode(),
        "drift_renamed/b.csv": b"id,name,amt\n2,b,2.0\n",
        "changing/a.csv": f"{HEADER}\n1,a,1.0\n".encode(),
        "json_invalid/all_bad.jsonl": ALL_INVALID_JSON,
        # id 2 lacks the required amount (quarantined at curate); renamed.jsonl names it amt
        # in every record (refused); no_note.jsonl never has the optional note (a warning)
        "json_cols/good.jsonl": b'{"id": 1, "amount": 1.5, "note": "x"}\n{"id": 2, "note": "y"}\n',
        "json_cols/renamed.jsonl": b'{"id": 3, "amt": 2.5, "note": "z"}\n',
        "json_cols/no_note.jsonl": b'{"id": 4, "amount": 4.5}\n',
        "pq_missing/good.parquet": GOOD_PARQUET,
        "pq_missing/no_amount.parquet": _parquet({"id": [5], "name": ["e"]}),
    }
    for i, name in enumerate(HOSTILE_NAMES):
        out[f"hostile/{name}"] = f'{HEADER}\n{i},"{name}",1.0\n'.encode()
    return out
