"""A malformed-CSV corpus, generated (not hand-picked): each entry is a file plus what the spec says must
happen to it — `error` (a clear message naming the problem), `ok` (it trains and generates), or `either`
where the spec does not decide (then both outcomes must still be clean).

Shared by tests/reliability/test_csv_corpus.py and the corpus table in RELIABILITY.md.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Expect = Literal["error", "ok", "either"]

# Small training settings: the corpus is about input handling, not model quality.
FAST = {"seq_len": 8, "hidden_dim": 8, "num_layers": 1, "max_minutes": 0.02, "evaluate": False, "seed": 0}


@dataclass
class CorpusCase:
    name: str
    path: Path
    expect: Expect
    # Words one of which the error message must contain (case-insensitive): it names the problem.
    mentions: tuple[str, ...] = ()
    options: dict[str, object] = field(default_factory=dict)  # schema options (CLI flags / API options)
    # For the HTTP side only: the upload is larger than the server's limit -> 413 before validation.
    over_upload_limit: bool = False


def _series(n: int = 60, sep: str = ",", seed: int = 0) -> str:
    """A small valid daily series: date, a decimal value, a two-level category."""
    rng = random.Random(seed)
    rows = [sep.join(["date", "value", "kind"])]
    for i in range(n):
        day = f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}"
        rows.append(sep.join([day, f"{10 + rng.random() * 5:.3f}", "ab"[i % 2]]))
    return "\n".join(rows) + "\n"


def _numbered(n: int, make: Callable[[int], str], header: str) -> str:
    return header + "\n" + "".join(make(i) + "\n" for i in range(n))


def build_corpus(folder: Path, *, upload_limit: int) -> list[CorpusCase]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1234)
    cases: list[CorpusCase] = []

    def add(
        name: str, content: str | bytes, expect: Expect, *mentions: str, suffix: str = ".csv", **kw: object
    ) -> None:
        path = folder / f"{name}{suffix}"
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        cases.append(CorpusCase(name, path, expect, tuple(mentions), **kw))  # type: ignore[arg-type]

    base = _series()
    add("empty", b"", "error", "empty")
    add("header_only", "date,value,kind\n", "error", "no data rows")
    add("one_row", "date,value,kind\n2024-01-01,1.5,a\n", "error", "rows")
    add("binary_garbage", bytes(rng.randrange(256) for _ in range(4096)) + b"\x00", "error", "binary")
    add(
        "latin1",
        ("date,value,note\n" + "".join(f"2024-01-{1 + i:02d},{i}.5,caf\xe9\n" for i in range(28))).encode("latin-1"),
        "error",
        "utf-8",
    )
    add("utf8_bom", b"\xef\xbb\xbf" + base.encode(), "ok")
    add("semicolon", _series(sep=";"), "ok")
    add("tab", _series(sep="\t"), "ok")
    add("crlf", base.replace("\n", "\r\n"), "ok")
    add(
        "quoted_newlines",
        _numbered(
            40,
            lambda i: f'2024-01-{1 + i % 28:02d}T{i // 28:02d}:00,{i * 1.5},"line one\nline {i % 2}"',
            "date,value,note",
        ),
        "ok",
    )
    ragged = base.splitlines()
    ragged[10] += ",extra,fields"
    add("ragged_rows", "\n".join(ragged) + "\n", "error", "malformed", "fields")
    add("duplicate_columns", base.replace("date,value,kind", "date,value,value", 1), "error", "duplicate")
    add("empty_header_name", base.replace("date,value,kind", "date,,kind", 1), "error", "empty column name")
    add("all_nan_column", _numbered(40, lambda i: f"{i}.25,", "value,blank"), "error", "empty", "blank")
    add("constant_column", _numbered(40, lambda i: f"{i % 7}.5,3.25", "value,constant"), "ok")
    add(
        "mixed_numbers_text",
        _numbered(40, lambda i: "twelve" if i == 5 else f"{i}.5", "value"),
        "error",
        "non-numeric",
        "twelve",
    )
    add("inf_values", _numbered(40, lambda i: "inf" if i in (3, 9) else f"{i}.5", "value"), "error", "infinite")
    add("thousands_separators", _numbered(40, lambda i: f'"{1000 + i * 37:,}.5"', "value"), "ok")
    add("unparseable_timestamps", base.replace("2024-01-05", "not a date", 1), "error", "not dates")
    add("duplicate_timestamps", base.replace("2024-01-05", "2024-01-04", 1), "error", "duplicate")
    lines = base.splitlines()
    shuffled = lines[1:]
    random.Random(3).shuffle(shuffled)
    add("unsorted_timestamps", "\n".join([lines[0], *shuffled]) + "\n", "ok")
    add(
        "irregular_timestamps",
        _numbered(40, lambda i: f"2024-01-01T{i // 4:02d}:{[0, 7, 31, 44][i % 4]:02d}:00,{i * 0.5}", "time,value"),
        "ok",
    )
    add(
        "mixed_time_zones",
        _numbered(
            40,
            lambda i: f"2024-01-{1 + i // 2:02d}T{12 * (i % 2):02d}:00:00{'+02:00' if i % 3 else 'Z'},{i}.5",
            "time,value",
        ),
        "ok",
    )
    add(
        "entity_single_row",
        _numbered(31, lambda i: f"{'solo' if i == 30 else 'e' + str(i // 10)},{i % 10},{i * 0.5}", "id,step,value"),
        "ok",
        options={"sequence_key": "id"},
    )
    add(
        "categorical_unique_per_row",
        _numbered(400, lambda i: f"{i * 0.5},label-{i}", "value,label"),
        "error",
        "free text",
        "identifier",
    )
    add(
        "entities_100k_len1",
        _numbered(100_000, lambda i: f"e{i},{i % 97}.5", "id,value"),
        "either",
        "entit",
        "length",
        "sequence",
        "context",
        options={"sequence_key": "id"},
    )
    add(
        "columns_10k",
        ",".join(f"c{j}" for j in range(10_000))
        + "\n"
        + "".join(",".join(f"{(i * 31 + j) % 17}.5" for j in range(10_000)) + "\n" for i in range(12)),
        "error",
        "max-columns",
        options={"seq_len": 4},
    )
    add(
        "line_10mb",
        "value,note\n" + "".join(f"{i}.5,\n" for i in range(39)) + "39.5," + "x" * 10_000_000 + "\n",
        "error",
        "characters",
    )
    # Every line is at least 6 bytes ("0.125\n"), so this many rows is over the limit whatever the values.
    add(
        "over_upload_limit",
        _numbered(upload_limit // 6 + 1, lambda i: f"{i % 997}.125", "value"),
        "either",
        over_upload_limit=True,
    )
    add("gzip_named_csv", gzip.compress(base.encode(), mtime=0), "ok")

    # -- found by trying it as a new user would (issue 11) ------------------------------------------------
    first_long = base.splitlines()
    first_long[1] += ",1.0,2.0"  # pandas took the first two columns as the index and shifted the rest
    add("ragged_first_row", "\n".join(first_long) + "\n", "error", "line 2 has 5 fields")
    short = base.splitlines()
    short[7] = short[7].rsplit(",", 1)[0]
    add("ragged_short_row", "\n".join(short) + "\n", "error", "line 8 has 2 fields")
    rows = base.splitlines()
    add("trailing_delimiter_rows", "\n".join([rows[0], *(r + "," for r in rows[1:])]) + "\n", "error", "4 fields")
    add("trailing_delimiter_everywhere", "\n".join(r + "," for r in rows) + "\n", "error", "empty column name")
    add("excel_sep_line", "sep=,\n" + base, "error", "sep=")
    add(
        "duplicated_header_lines",
        "\n".join([*rows[:20], rows[0], *rows[20:]]) + "\n",
        "error",
        "line 21 repeats the header",
    )
    add(
        "numbers_with_units",
        _numbered(60, lambda i: f"2024-01-{1 + i % 28:02d}T{i // 28:02d}:00,{10 + i * 0.5} kg", "time,weight"),
        "error",
        "unit",
    )
    add(
        "mixed_date_formats",  # two spellings of the same grid in one column: parsed, written back as ISO
        _numbered(
            40,
            lambda i: (f"2024-02-{1 + i // 2:02d} 12:00" if i % 2 else f"2024/02/{1 + i // 2:02d} 00:00") + f",{i}.5",
            "time,value",
        ),
        "ok",
    )
    add(
        "column_99pct_empty",
        _numbered(200, lambda i: f"{i * 0.25},{'7.5' if i == 50 else ''},{i % 3}.5", "value,sparse,other"),
        "ok",
    )
    add(
        "long_text_cells",
        _numbered(40, lambda i: f"{i}.5,{'note ' * 400}{i % 2}", "value,note"),
        "error",
        "characters",
    )
    add(
        "integer_time_index",
        _numbered(60, lambda i: f"e{i // 20},{i % 20},{(i * 7) % 11}.5", "id,t,value"),
        "ok",
        options={"sequence_key": "id", "time_column": "t"},
    )
    add(
        "yyyymmdd_time_column",
        _numbered(40, lambda i: f"{20240101 + i if i < 31 else 20240201 + i - 31},{i * 1.5}", "date,value"),
        "ok",
        options={"time_column": "date"},
    )
    add(
        "decimal_time_column",
        _numbered(40, lambda i: f"{i * 0.5},{i * 1.5}", "t,value"),
        "error",
        "decimal",
        options={"time_column": "t"},
    )
    add(
        "columns_over_limit",
        ",".join(f"c{j}" for j in range(40))
        + "\n"
        + "".join(",".join(f"{(i + j) % 9}.5" for j in range(40)) + "\n" for i in range(30)),
        "error",
        "max-columns",
        "max_columns",
        options={"max_columns": 30},
    )
    add("blank_lines_between_rows", base.replace("\n2024-01-1", "\n\n2024-01-1"), "ok")
    add(
        "missing_value_markers",
        _numbered(40, lambda i: f"{['NA', 'null', '', 'NaN'][i % 4] if i % 5 == 0 else i * 0.5}", "value"),
        "ok",
    )
    add("scientific_notation", _numbered(40, lambda i: f"{(i + 1) * 1.5:e},{i % 4}", "value,code"), "ok")
    add("quoted_numbers", _numbered(40, lambda i: f'"{i * 0.5}","{i % 2}"', "value,flag"), "ok")
    return cases
