"""Time columns that are not ISO text: integer step numbers and yyyymmdd integer dates; and the text
format of timestamps, so that generated ones are written the way they came in.

Only a column the user names with --time-column is read this way: a column of numbers is otherwise a
numeric feature.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Tried in order; the first that writes every sampled input value back exactly is the input's format.
TEXT_FORMATS = (
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%Y%m%d",
)
_SAMPLE = 200


def numeric_time(s: pd.Series, name: str, problems: list[str]) -> tuple[pd.Series, str]:
    """A numeric time column: ('yyyymmdd', datetimes) for integer dates like 19580329, ('integer', int64)
    for step numbers, else a problem (decimal numbers are neither) and the series unchanged."""
    values = s.astype("float64")
    if not np.all(np.mod(values.to_numpy(), 1) == 0):
        problems.append(
            f"time column {name!r} holds decimal numbers, not dates/times or step numbers; "
            "omit --time-column to use step numbers"
        )
        return s, "datetime"
    ints = values.astype("int64")
    if ints.between(10000101, 29991231).all():
        parsed = pd.to_datetime(ints.astype(str), format="%Y%m%d", errors="coerce")
        if parsed.notna().all():
            return parsed.astype("datetime64[ns]"), "yyyymmdd"
    return ints, "integer"


def text_format(text: pd.Series, parsed: pd.Series) -> str | None:
    """The strftime pattern that reproduces the input's text timestamps, or None if no single one does."""
    if not (text.dtype == object or pd.api.types.is_string_dtype(text)):
        return None
    sample_text = text.astype(str).head(_SAMPLE).str.strip().tolist()
    sample_time = pd.DatetimeIndex(parsed.head(_SAMPLE))
    for fmt in TEXT_FORMATS:
        if list(sample_time.strftime(fmt)) == sample_text:
            return fmt
    return None


def parse_known_format(text: pd.Series) -> tuple[pd.Series, str, bool] | None:
    """Timestamps parsed with the first pattern of TEXT_FORMATS that reads every value, the pattern, and
    whether day-first and month-first both read them (all days <= 12). pandas' "mixed" parser reads
    17/01/2024 as day-first but 02/01/2024 as month-first, silently scrambling a day-first column."""
    stripped = text.astype(str).str.strip()
    for fmt in TEXT_FORMATS:
        parsed = pd.to_datetime(stripped, format=fmt, errors="coerce")
        if parsed.notna().all():
            other = {"%d/%m/%Y": "%m/%d/%Y", "%d/%m/%Y %H:%M": "%m/%d/%Y %H:%M"}.get(fmt)
            ambiguous = other is not None and pd.to_datetime(stripped, format=other, errors="coerce").notna().all()
            return parsed, fmt, ambiguous
    return None


def integer_frequency(values: np.ndarray, groups: list[tuple[int, int]]) -> int:
    """The most common step between consecutive integer indices within a sequence (1 if there is none)."""
    diffs = np.concatenate([np.diff(values[a : a + n]) for a, n in groups if n > 1] or [np.array([], np.int64)])
    diffs = diffs[diffs > 0]
    if diffs.size == 0:
        return 1
    uniq, counts = np.unique(diffs, return_counts=True)
    return int(uniq[np.argmax(counts)])
