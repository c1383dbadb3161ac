"""Writing generated tables as CSV or Parquet with deterministic bytes (same table -> same file)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chronogan.artifacts.errors import UserInputError

TableFormat = Literal["csv", "parquet"]


def format_from_path(path: Path) -> TableFormat:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise UserInputError(f"output file {str(path)!r} must end in .csv or .parquet", field="out")


def _csv(df: pd.DataFrame, fh: IO[str], header: bool) -> None:
    # repr-style floats and ISO timestamps: identical on every run and readable back without loss.
    df.to_csv(fh, index=False, header=header, lineterminator="\n")


def arrow_table(df: pd.DataFrame) -> pa.Table:
    # No pandas metadata: it would embed the index layout, which is noise for consumers.
    return pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)


def csv_text(df: pd.DataFrame, *, header: bool = True) -> str:
    """One table (or one chunk of a longer one: header=False after the first) as CSV, exactly as
    `ChunkedTableWriter` writes it. Values are written one by one, so the chunks of a table joined give the
    text of the whole table (dataset parts and streamed responses rely on it)."""
    buf = io.StringIO()
    _csv(df, buf, header=header)
    return buf.getvalue()


def csv_bytes(df: pd.DataFrame, *, header: bool = True) -> bytes:
    """`csv_text` as UTF-8 bytes."""
    return csv_text(df, header=header).encode()


def table_bytes(df: pd.DataFrame, fmt: TableFormat) -> bytes:
    if fmt == "csv":
        return csv_bytes(df)
    sink = io.BytesIO()
    pq.write_table(arrow_table(df), sink, compression="zstd")
    return sink.getvalue()


def write_table(df: pd.DataFrame, path: Path, fmt: TableFormat | None = None) -> None:
    fmt = fmt or format_from_path(path)
    Path(path).write_bytes(table_bytes(df, fmt))


class ChunkedTableWriter:
    """Append chunks to one CSV or Parquet file with bounded memory (a Parquet row group per chunk)."""

    def __init__(self, path: Path, fmt: TableFormat) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self._text: IO[str] | None = None
        self._parquet: pq.ParquetWriter | None = None
        self.rows = 0

    def __enter__(self) -> ChunkedTableWriter:
        return self

    def write(self, df: pd.DataFrame) -> None:
        if self.fmt == "csv":
            if self._text is None:
                self._text = self.path.open("w", newline="")
                _csv(df, self._text, header=True)
            else:
                _csv(df, self._text, header=False)
        else:
            table = arrow_table(df)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._parquet.write_table(table.cast(self._parquet.schema))
        self.rows += len(df)

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
            self._text = None
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None

    def __exit__(self, *exc: object) -> None:
        self.close()
