"""Timestamps of generated sequences: a start per sequence, then steps at the model's frequency.

Fixed frequencies (seconds, hours, days, ...) are plain int64 arithmetic, fast enough for millions of
rows; calendar frequencies (month starts, business days) go through pandas' offsets, cached per start.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.schema import TimeSpec


def sequence_steps(lengths: np.ndarray) -> np.ndarray:
    """0, 1, ..., n-1 for each sequence's length n, laid end to end (int64), without a Python loop per
    sequence: this runs for every generated chunk, so it has to cost O(rows) in numpy, not O(sequences)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if len(lengths) == 0:
        return np.array([], np.int64)
    width = int(lengths[0])
    if (lengths == width).all():  # fixed-length models: every sequence is 0..width-1
        return np.tile(np.arange(width, dtype=np.int64), len(lengths))
    # Position in the flat layout minus the position where the row's sequence begins.
    begins = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(begins, lengths)


class TimeAxis:
    def __init__(self, spec: TimeSpec) -> None:
        self.spec = spec
        self.tz = spec.timezone
        self.offset = None
        if spec.kind == "integer":  # step numbers: the grid is plain integers, `frequency_ns` apart
            lo, hi, step = int(spec.start_min), int(spec.start_max), max(1, spec.frequency_ns)
            self._grid = lo + np.arange(max(0, (hi - lo) // step) + 1, dtype=np.int64) * step
            return
        if spec.frequency:
            offset = to_offset(spec.frequency)
            # Tick offsets (D, h, min, s, ...) have a fixed length; the others are calendar-aware.
            self.offset = None if isinstance(offset, pd.tseries.offsets.Tick) else offset
        lo, hi = self._ts(spec.start_min), self._ts(spec.start_max)
        if self.offset is None:
            slots = max(0, (hi.value - lo.value) // spec.frequency_ns)
            self._grid = lo.value + np.arange(slots + 1, dtype=np.int64) * spec.frequency_ns
        else:
            # as_unit: pandas 3 gives a timestamp parsed from text microsecond resolution (and `Day` is no
            # longer a fixed Tick), so without it a daily grid came out in us and was read as ns (1970 dates).
            self._grid = pd.date_range(lo, hi, freq=self.offset).as_unit("ns").asi8.astype(np.int64)
            if len(self._grid) == 0:
                self._grid = np.array([lo.value], dtype=np.int64)

    def _ts(self, value: str) -> pd.Timestamp:
        ts = pd.Timestamp(value)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        return ts

    def parse_start(self, start: str | None) -> int | None:
        """User-given start (ISO 8601) as epoch ns in the model's (naive UTC) clock."""
        if start is None:
            return None
        if self.spec.kind == "integer":
            try:
                return int(str(start).strip())
            except ValueError:
                raise UserInputError(f"start {start!r} must be an integer step number", field="start") from None
        try:
            ts = pd.Timestamp(start)
        except (ValueError, TypeError) as exc:
            raise UserInputError(f"start {start!r} is not a valid timestamp (use ISO 8601)", field="start") from exc
        if ts is pd.NaT:
            raise UserInputError(f"start {start!r} is not a valid timestamp", field="start")
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        elif self.tz:
            ts = ts.tz_localize(self.tz).tz_convert("UTC").tz_localize(None)
        return int(ts.value)

    def sample_starts(self, n: int, rng: np.random.Generator, start_ns: int | None) -> np.ndarray:
        if start_ns is not None:
            return np.full(n, start_ns, dtype=np.int64)
        return self._grid[rng.integers(0, len(self._grid), size=n)]

    def column(self, starts: np.ndarray, lengths: np.ndarray) -> object:
        """The generated time column as the input had it: integers, yyyymmdd integers, text in the input's
        own timestamp format, or datetimes."""
        if self.spec.kind == "integer":
            return np.repeat(starts, lengths) + sequence_steps(lengths) * max(1, self.spec.frequency_ns)
        stamps = self.stamps(starts, lengths)
        if self.spec.kind == "yyyymmdd":
            return (stamps.year * 10000 + stamps.month * 100 + stamps.day).to_numpy(np.int64)
        if self.spec.text_format is not None:
            # strftime is per element in Python; generated sequences share most of their timestamps, so
            # formatting each distinct one once keeps large requests fast.
            uniq, inverse = np.unique(stamps.asi8, return_inverse=True)
            text = pd.DatetimeIndex(uniq.astype("datetime64[ns]"))
            if self.tz:
                text = text.tz_localize("UTC").tz_convert(self.tz)
            return np.asarray(text.strftime(self.spec.text_format), dtype=object)[inverse]
        return stamps

    def stamps(self, starts: np.ndarray, lengths: np.ndarray) -> pd.Series | pd.DatetimeIndex:
        """Flat timestamps for sequences laid end to end (the long layout), as a DatetimeIndex."""
        if self.offset is None:
            values = np.repeat(starts, lengths) + sequence_steps(lengths) * self.spec.frequency_ns
        else:
            values = np.concatenate(
                [_calendar(int(s), int(n), self.offset) for s, n in zip(starts, lengths, strict=True)]
            )
        index = pd.DatetimeIndex(values.astype("datetime64[ns]"))
        if self.tz:
            index = index.tz_localize("UTC").tz_convert(self.tz)
        return index


@lru_cache(maxsize=4096)
def _calendar_cached(start: int, n: int, alias: str) -> np.ndarray:
    return pd.date_range(pd.Timestamp(start, unit="ns"), periods=n, freq=alias).as_unit("ns").asi8.astype(np.int64)


def _calendar(start: int, n: int, offset: pd.DateOffset) -> np.ndarray:
    return _calendar_cached(start, n, offset.freqstr)
