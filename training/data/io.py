"""Reading the user's table (CSV or Parquet) with errors that say what is wrong and what to do."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.manifest import sha256_file

_SNIFF_BYTES = 1 << 16
# The row-length check reads every field; long text cells are reported later, with their line numbers.
csv.field_size_limit(1 << 30)
_DELIMITERS = [",", ";", "\t", "|"]


def file_fingerprint(path: Path) -> dict[str, object]:
    return {"file": Path(path).name, "sha256": sha256_file(Path(path)), "bytes": Path(path).stat().st_size}


def _decode_head(raw: bytes, name: str) -> str:
    if b"\x00" in raw:
        raise UserInputError(f"{name}: file contains NUL bytes and looks binary, not like a CSV text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end of the sample is not an error.
        if exc.start >= len(raw) - 4:
            return raw[: exc.start].decode("utf-8-sig")
        raise UserInputError(
            f"{name}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); re-save the file as UTF-8"
        ) from None


def _pick_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_table(path: Path | str) -> pd.DataFrame:
    """Read CSV (optionally gzip-compressed, any common delimiter, UTF-8 with or without BOM) or Parquet."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise UserInputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise UserInputError(f"{name}: file is empty")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for broken files
            # pyarrow's message names the absolute path; API clients must see only the file's name.
            reason = str(exc).replace(str(path), name)
            raise UserInputError(f"{name}: not a readable Parquet file ({reason})") from None
        return _check_frame(df, name)

    with path.open("rb") as fh:
        magic = fh.read(2)
    compression = "gzip" if magic == b"\x1f\x8b" else None
    opener = gzip.open if compression else open
    try:
        with opener(path, "rb") as fh:  # type: ignore[operator]
            raw = fh.read(_SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise UserInputError(f"{name}: cannot be decompressed ({exc})") from None
    text = _decode_head(raw, name)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise UserInputError(f"{name}: the first line is empty; the file must start with a header row")
    if lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) <= 5:
        raise UserInputError(
            f"{name}: line 1 is a spreadsheet's {lines[0].strip()!r} hint, not a header; delete that line"
        )
    sep = _pick_delimiter(lines[0])
    header = next(csv.reader(io.StringIO(lines[0]), delimiter=sep))
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UserInputError(f"{name}: duplicate column names {dupes}; every column needs a unique name")
    if any(not h.strip() for h in header) and len(header) > 1:
        raise UserInputError(f"{name}: the header has an empty column name (column {header.index('') + 1})")
    try:
        _check_field_counts(path, opener, sep, header, name)
        df = pd.read_csv(path, sep=sep, compression=compression, encoding="utf-8-sig", low_memory=False)
    except UnicodeDecodeError as exc:
        raise UserInputError(
            f"{name}: not valid UTF-8 ({exc.reason} at byte {exc.start}); re-save it as UTF-8"
        ) from None
    except pd.errors.ParserError as exc:
        raise UserInputError(
            f"{name}: malformed CSV: {str(exc).strip()} (rows must all have {len(header)} fields)"
        ) from None
    except pd.errors.EmptyDataError:
        raise UserInputError(f"{name}: no columns found") from None
    except csv.Error as exc:
        raise UserInputError(f"{name}: malformed CSV ({exc})") from None
    except (EOFError, gzip.BadGzipFile) as exc:
        raise UserInputError(f"{name}: cannot be decompressed ({exc})") from None
    return _check_frame(df, name)


def _check_field_counts(path: Path, opener: object, sep: str, header: list[str], name: str, limit: int = 5) -> None:
    """Every row must have as many fields as the header. pandas does not insist: a first data row with two
    extra fields silently turned the first two columns into the index and shifted every other column.
    A repeat of the header line (files concatenated with their headers) is named as such."""
    expected = len(header)
    ragged: list[tuple[int, int]] = []
    n_ragged = 0
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
        reader = csv.reader(fh, delimiter=sep)
        next(reader, None)
        line = reader.line_num + 1  # the line the next record starts on (a quoted field may span lines)
        for row in reader:
            if row == header:
                raise UserInputError(
                    f"{name}: line {line} repeats the header; remove it (were two files joined together?)"
                )
            if row and len(row) != expected and not (len(row) == 1 and not row[0].strip()):
                n_ragged += 1
                if len(ragged) < limit:
                    ragged.append((line, len(row)))
            line = reader.line_num + 1
    if n_ragged:
        shown = ", ".join(f"line {ln} has {n} field{'s' if n != 1 else ''}" for ln, n in ragged)
        more = f" (and {n_ragged - len(ragged)} more ragged lines)" if n_ragged > len(ragged) else ""
        raise UserInputError(
            f"{name}: malformed CSV: the header has {expected} fields but {shown}{more}; every row needs "
            f"exactly {expected} fields (check for stray delimiters, e.g. an unquoted {sep!r} inside a value)"
        )


def _check_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if df.shape[1] == 0:
        raise UserInputError(f"{name}: no columns found")
    if len(df) == 0:
        raise UserInputError(f"{name}: has a header but no data rows")
    df.columns = [str(c) for c in df.columns]
    return df
