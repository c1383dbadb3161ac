"""Infer and validate the table schema from a DataFrame plus the user's overrides.

Every problem found is collected (not just the first) and raised together as one UserInputError whose
messages name the column, the rows (as file line numbers: line 1 is the header) and what to do.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from chronogan.training.data.options import SchemaOptions, SequenceShape
from chronogan.training.data.time_index import integer_frequency, numeric_time, parse_known_format, text_format
from pandas.tseries.frequencies import to_offset

from chronogan.artifacts.conditions import observed_context_rows
from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.schema import ColumnSpec, ContextCombo, LengthSpec, TableSchema, TimeSpec

MAX_CATEGORIES = 256
# Category labels are stored in the manifest and returned in every generated row: a longer one is free text
# (or a broken line), and would bloat both.
MAX_LABEL_CHARS = 1000
# Integer columns with at most this many distinct values are treated as categorical codes.
LOW_CARDINALITY = 10
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# A number, then a unit after a space, a percent sign, or a common unit written on (not '1st', '3D', '10A').
_WITH_UNIT = re.compile(
    r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
    r"(\s+[A-Za-z°µ/$€£]{1,6}\d?|\s*%|(kg|g|mg|km|cm|mm|m|ms|s|min|h|kwh|kw|mw|w|v|hz|°c|°f|l|ml|kb|mb|gb))$",
    re.IGNORECASE,
)
_TIME_NAME = re.compile(r"(date|time|timestamp|datetime|ts)$", re.IGNORECASE)


@dataclass
class PreparedTable:
    """The input converted to clean dtypes and sorted (by sequence key, then time), with its schema."""

    df: pd.DataFrame
    schema: TableSchema
    # Per sequence: (first row, number of rows) into df after cutting entities longer than max_seq_len.
    spans: list[tuple[int, int]]
    warnings: list[str] = field(default_factory=list)


def _lines(index: pd.Index, limit: int = 5) -> str:
    shown = ", ".join(str(int(i) + 2) for i in index[:limit])
    return f"line{'s' if len(index) > 1 else ''} {shown}{', …' if len(index) > limit else ''}"


def _examples(values: pd.Series, limit: int = 3) -> str:
    uniq = list(dict.fromkeys(str(v) for v in values))[:limit]
    return ", ".join(repr(v) for v in uniq)


def _check_column_count(columns: list[str], options: SchemaOptions) -> None:
    kept = len([c for c in columns if c not in options.ignore])
    if kept > options.max_columns:
        raise UserInputError(
            f"the table has {kept} columns to model (at most {options.max_columns} are allowed); pass --ignore "
            f"for the columns you do not need, or raise the limit with --max-columns {kept}",
            field="max_columns",
        )


def _check_named_columns(options: SchemaOptions, columns: list[str]) -> None:
    problems = []
    named = [
        ("--sequence-key", [options.sequence_key] if options.sequence_key else []),
        ("--time-column", [options.time_column] if options.time_column else []),
        ("--categorical", options.categorical),
        ("--numeric", options.numeric),
        ("--context", options.context),
        ("--ignore", options.ignore),
    ]
    for flag, names in named:
        for name in names:
            if name not in columns:
                close = difflib.get_close_matches(name, columns, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; columns are {columns}"
                problems.append(f"{flag} names column {name!r}, which is not in the data{hint}")
    if options.sequence_key and options.sequence_key in options.ignore:
        problems.append(f"column {options.sequence_key!r} cannot be both the sequence key and ignored")
    if options.context and not options.sequence_key:
        problems.append("--context needs --sequence-key: context columns are constant within each entity")
    if problems:
        raise UserInputError(problems)


def _parse_time(s: pd.Series, name: str, problems: list[str], warnings: list[str]) -> tuple[pd.Series, str | None]:
    """Parsed timestamps as naive UTC datetime64[ns], plus the original time zone name if any."""
    if s.isna().any():
        problems.append(f"time column {name!r} is empty on {_lines(s.index[s.isna()])}; every row needs a timestamp")
        return s, None
    tz: str | None = None
    if pd.api.types.is_datetime64_any_dtype(s):
        parsed = s
    else:
        text = s.astype(str)
        try:
            parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        except (ValueError, TypeError):  # mixed UTC offsets in one column
            parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
            warnings.append(f"time column {name!r} mixes UTC offsets; timestamps were converted to UTC")
        known = parse_known_format(text) if parsed.isna().any() else None
        if known is not None:
            parsed = known[0]
            if known[2]:
                warnings.append(
                    f"time column {name!r}: every day is 12 or less, so day and month could be swapped; read as "
                    f"{known[1]!r} (write dates as ISO 8601, 2024-01-31, to be sure)"
                )
        if parsed.isna().any():
            try:
                retry = pd.to_datetime(text, errors="coerce", format="mixed", utc=parsed.dt.tz is not None)
            except (ValueError, TypeError):
                retry = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
            if retry.isna().sum() < parsed.isna().sum():
                parsed = retry
        bad = parsed.isna()
        if bad.any():
            problems.append(
                f"time column {name!r} has {int(bad.sum())} value(s) that are not dates/times, "
                f"such as {_examples(s[bad])} on {_lines(s.index[bad])}; use ISO 8601 like 2024-01-31T12:00"
            )
            return s, None
    if parsed.dt.tz is not None:
        tz = str(parsed.dt.tz)
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.astype("datetime64[ns]"), tz


def _detect_time_column(df: pd.DataFrame, exclude: set[str]) -> str | None:
    candidates = []
    for name in df.columns:
        if name in exclude:
            continue
        s = df[name]
        if pd.api.types.is_datetime64_any_dtype(s):
            candidates.append(name)
        elif (s.dtype == object or pd.api.types.is_string_dtype(s)) and _TIME_NAME.search(name):
            sample = s.dropna().astype(str).head(200)
            # Mostly dates under a date-like name is a time column with typos: choosing it lets _parse_time
            # name the bad cells and their lines, instead of silently modelling the dates as categories.
            if len(sample) and pd.to_datetime(sample, errors="coerce", format="mixed", utc=True).notna().mean() >= 0.9:
                candidates.append(name)
    return candidates[0] if len(candidates) == 1 else None


def _decimals(values: np.ndarray) -> int | None:
    sample = values[:5000]
    for d in range(0, 7):
        if np.allclose(np.round(sample, d), sample, rtol=0, atol=1e-9 * max(1.0, float(np.abs(sample).max()))):
            return d
    return None


def _categorical_spec(name: str, s: pd.Series, kind: str, problems: list[str]) -> ColumnSpec | None:
    values = s.dropna()
    uniq = list(pd.unique(values))
    if len(uniq) > MAX_CATEGORIES:
        if len(uniq) > 0.5 * len(s):
            problems.append(
                f"column {name!r} has {len(uniq)} distinct values in {len(s)} rows and looks like free text or an "
                f"identifier; pass --ignore {name}, or --sequence-key {name} if it identifies entities"
            )
        else:
            problems.append(
                f"column {name!r} has {len(uniq)} categories (at most {MAX_CATEGORIES} are supported); "
                f"group rare values or pass --ignore {name}"
            )
        return None
    long = [v for v in uniq if isinstance(v, str) and len(v) > MAX_LABEL_CHARS]
    if long:
        where = _lines(s.index[s.isin(long)])
        problems.append(
            f"column {name!r} has a value of {max(map(len, long)):,} characters on {where} (category labels are at "
            f"most {MAX_LABEL_CHARS:,}); fix the line or pass --ignore {name}"
        )
        return None
    cats: list = sorted((v.item() if hasattr(v, "item") else v for v in uniq), key=lambda v: (str(type(v)), v))
    if values.size < len(s):
        cats.append(None)
    return ColumnSpec(name=name, kind=kind, dtype=str(s.dtype), categories=cats, missing_rate=float(s.isna().mean()))


def _infer_column(
    name: str, s: pd.Series, options: SchemaOptions, problems: list[str], warnings: list[str]
) -> tuple[ColumnSpec | None, pd.Series]:
    nonnull = s.dropna()
    if nonnull.empty:
        problems.append(f"column {name!r} is empty (every value is missing); pass --ignore {name}")
        return None, s
    if name in options.categorical:
        return _categorical_spec(name, s, "categorical", problems), s
    if (
        pd.api.types.is_bool_dtype(s)
        or set(pd.unique(nonnull)) <= {True, False}
        and not pd.api.types.is_numeric_dtype(s)
    ):
        return _categorical_spec(name, s, "boolean", problems), s
    if pd.api.types.is_datetime64_any_dtype(s):
        values = s.astype("datetime64[ns]").astype("int64").astype(float).where(s.notna())
        return ColumnSpec(
            name=name,
            kind="datetime",
            dtype=str(s.dtype),
            minimum=float(values.min()),
            maximum=float(values.max()),
            missing_rate=float(s.isna().mean()),
        ), values
    numeric = s if pd.api.types.is_numeric_dtype(s) else None
    if numeric is None:
        parsed = pd.to_numeric(nonnull, errors="coerce")
        bad = parsed.isna()
        if not bad.any():
            numeric = pd.to_numeric(s, errors="coerce")
        elif _with_units(nonnull[bad]):
            problems.append(
                f"column {name!r} holds numbers with units, such as {_examples(nonnull[bad])} on "
                f"{_lines(nonnull.index[bad])}; remove the unit from the values (put it in the column name), "
                f"or pass --categorical {name}"
            )
            return None, s
        elif nonnull[bad].astype(str).str.match(_THOUSANDS).all():
            numeric = pd.to_numeric(s.astype(str).str.replace(",", "", regex=False).where(s.notna()), errors="coerce")
            warnings.append(f"column {name!r}: removed thousands separators (e.g. {_examples(nonnull[bad], 1)})")
        elif bad.mean() <= 0.2 and name not in options.numeric:
            problems.append(
                f"column {name!r} has {int(bad.sum())} non-numeric value(s) such as {_examples(nonnull[bad])} on "
                f"{_lines(nonnull.index[bad])}; fix them, leave the cells empty for missing values, "
                f"or pass --categorical {name}"
            )
            return None, s
        elif name in options.numeric:
            problems.append(
                f"--numeric {name}: {int(bad.sum())} value(s) are not numbers, such as {_examples(nonnull[bad])} "
                f"on {_lines(nonnull.index[bad])}"
            )
            return None, s
        else:
            return _categorical_spec(name, s, "categorical", problems), s
    values = numeric.astype("float64")
    inf = np.isinf(values)
    if inf.any():
        problems.append(
            f"column {name!r} has {int(inf.sum())} infinite value(s) on {_lines(values.index[inf])}; "
            "replace them with finite numbers or leave the cells empty"
        )
        return None, s
    finite = values.dropna().to_numpy()
    integer_valued = bool(np.all(np.mod(finite, 1) == 0)) and np.abs(finite).max() < 2**53
    n_unique = len(np.unique(finite))
    if (
        integer_valued
        and n_unique <= LOW_CARDINALITY
        and len(s) >= 20 * n_unique
        and n_unique > 1
        and name not in options.numeric
    ):
        spec = _categorical_spec(name, s, "categorical", problems)
        if spec is not None:
            warnings.append(
                f"column {name!r}: {n_unique} distinct integer codes, modelled as categorical "
                f"(pass --numeric {name} to model it as a number)"
            )
        return spec, s
    spec = ColumnSpec(
        name=name,
        kind="integer" if integer_valued else "continuous",
        dtype=str(s.dtype) if pd.api.types.is_numeric_dtype(s) else "float64",
        minimum=float(finite.min()),
        maximum=float(finite.max()),
        missing_rate=float(values.isna().mean()),
        decimals=None if integer_valued else _decimals(finite),
    )
    return spec, values


def _with_units(values: pd.Series) -> bool:
    """Mostly numbers followed by a unit ('12.5 kg', '30%', '4 ms'): a number column the user means, not
    labels (as categories they would silently lose all order and magnitude)."""
    return len(values) > 0 and bool(values.astype(str).str.strip().str.match(_WITH_UNIT).mean() >= 0.9)


def _constant_within(df: pd.DataFrame, key: str, col: str) -> tuple[bool, object]:
    counts = df.groupby(key, sort=False, dropna=False)[col].nunique(dropna=False)
    varying = counts[counts > 1]
    return varying.empty, (varying.index[0] if not varying.empty else None)


def _frequency(
    times: pd.Series, groups: list[tuple[int, int]], name: str, warnings: list[str]
) -> tuple[str | None, int]:
    values = times.to_numpy().astype("datetime64[ns]").astype(np.int64)
    diffs = np.concatenate([np.diff(values[a : a + n]) for a, n in groups if n > 1] or [np.array([], np.int64)])
    if diffs.size == 0:
        return None, 86_400_000_000_000
    longest = max(groups, key=lambda g: g[1])
    alias = None
    if longest[1] >= 3:
        try:
            alias = pd.infer_freq(pd.DatetimeIndex(values[longest[0] : longest[0] + longest[1]]))
        except (ValueError, TypeError):
            alias = None
    mode = int(Counter(diffs.tolist()).most_common(1)[0][0])
    if alias is None:
        share = float(np.mean(diffs == mode))
        alias = to_offset(pd.Timedelta(mode)).freqstr
        if share < 0.9:
            warnings.append(
                f"time column {name!r} is irregular ({share:.0%} of steps are {pd.Timedelta(mode)}); "
                f"generated timestamps use that spacing"
            )
    return alias, mode


def prepare_table(
    raw: pd.DataFrame, options: SchemaOptions | None = None, shape: SequenceShape | None = None
) -> PreparedTable:
    """The input's schema and its sequences, in named steps; each step that can find problems raises them all
    together before the next step relies on its result. `shape` comes from the model config
    (`GANConfig.sequence_shape()`); neither argument is modified."""
    options = options or SchemaOptions()
    shape = shape or SequenceShape()
    warnings: list[str] = []
    columns = [str(c) for c in raw.columns]
    _check_column_count(columns, options)
    _check_named_columns(options, columns)
    df, time_name, time_read, specs = _typed_columns(raw, options, warnings)
    df, original_index = _sort_rows(df, options.sequence_key, time_name, warnings)
    entity_spans, entities = _entity_spans(df, options.sequence_key)
    if time_name is not None:
        _check_duplicate_times(df[time_name], entity_spans, entities, original_index, options.sequence_key, time_name)
    _mark_context_columns(df, specs, options, len(entity_spans), warnings)
    spans, lengths = _sequence_spans(len(df), entity_spans, options.sequence_key, shape, warnings)
    seq_starts = [a for a, _ in spans]
    time_spec = None
    if time_name is not None:
        time_spec = _time_spec(df[time_name], str(raw[time_name].dtype), time_read, entity_spans, seq_starts, warnings)
    combos, context_rows = _context_statistics(df, specs, seq_starts)
    key = options.sequence_key
    schema = TableSchema(
        layout="entities" if key else "windows",
        column_order=[c for c in columns if c not in options.ignore],
        columns=specs,
        sequence_key=key,
        sequence_key_dtype=str(raw[key].dtype) if key else None,
        time=time_spec,
        seq_len=lengths.max_len,
        stride=shape.stride if key is None else None,
        lengths=lengths,
        ignored=list(options.ignore),
        context_combos=combos,
        context_rows=context_rows,
        n_rows=len(df),
        n_sequences=len(spans),
    )
    return PreparedTable(df=df, schema=schema, spans=spans, warnings=warnings)


@dataclass(frozen=True)
class _TimeRead:
    """How the time column was read: its timezone, 'datetime' or 'integer', and the text layout it was written
    in (so generated times are written the same way)."""

    timezone: str | None = None
    kind: str = "datetime"
    text_format: str | None = None


def _typed_columns(
    raw: pd.DataFrame, options: SchemaOptions, warnings: list[str]
) -> tuple[pd.DataFrame, str | None, _TimeRead, list[ColumnSpec]]:
    """Drop ignored columns, parse the time column and infer every modelled column's spec and clean dtype."""
    problems: list[str] = []
    df = raw.drop(columns=options.ignore).copy()
    key = options.sequence_key
    if key is not None and df[key].isna().any():
        problems.append(f"sequence key {key!r} is empty on {_lines(df.index[df[key].isna()])}")
    time_name = options.time_column or _detect_time_column(df, {key} if key else set())
    tz, time_kind, time_text_format = None, "datetime", None
    if time_name is not None:
        raw_time = df[time_name]
        if pd.api.types.is_numeric_dtype(raw_time) and not pd.api.types.is_bool_dtype(raw_time):
            df[time_name], time_kind = numeric_time(raw_time, time_name, problems)
        else:
            df[time_name], tz = _parse_time(raw_time, time_name, problems, warnings)
            if not problems and tz is None:
                time_text_format = text_format(raw_time, df[time_name])
        if options.time_column is None and not problems:
            warnings.append(f"using {time_name!r} as the time column (pass --time-column to choose another)")
    modelled = [c for c in df.columns if c not in (key, time_name)]
    if not modelled:
        problems.append("no columns left to model: the table needs at least one column besides the key and time")
    specs: list[ColumnSpec] = []
    for name in modelled:
        spec, converted = _infer_column(name, df[name], options, problems, warnings)
        if spec is not None:
            specs.append(spec)
            df[name] = converted
    if problems:
        raise UserInputError(problems)
    return df, time_name, _TimeRead(tz, time_kind, time_text_format), specs


def _sort_rows(
    df: pd.DataFrame, key: str | None, time_name: str | None, warnings: list[str]
) -> tuple[pd.DataFrame, pd.Index]:
    """Entities in order of first appearance, rows by time within each (a stable sort keeps file order).
    Returns the sorted frame (index 0..n-1) and the rows' original index, for line numbers in messages."""
    if key is not None:
        order = pd.Series(pd.factorize(df[key])[0], index=df.index)
        df = df.assign(_entity=order)
        df = df.sort_values(["_entity", time_name] if time_name else ["_entity"], kind="stable")
        df = df.drop(columns="_entity")
    elif time_name is not None and not df[time_name].is_monotonic_increasing:
        warnings.append(f"rows were sorted by time column {time_name!r}")
        df = df.sort_values(time_name, kind="stable")
    return df.reset_index(drop=True), df.index


def _entity_spans(df: pd.DataFrame, key: str | None) -> tuple[list[tuple[int, int]], list[object]]:
    """(first row, rows) of each entity in the sorted frame, and the entity ids (one long series: one span)."""
    if key is None:
        return [(0, len(df))], [None]
    sizes = df.groupby(key, sort=False).size()
    starts = np.concatenate([[0], np.cumsum(sizes.to_numpy())[:-1]])
    return list(zip(starts.tolist(), sizes.tolist(), strict=True)), list(sizes.index)


def _check_duplicate_times(
    times: pd.Series,
    entity_spans: list[tuple[int, int]],
    entities: list[object],
    original_index: pd.Index,
    key: str | None,
    time_name: str,
) -> None:
    problems: list[str] = []
    for (a, n), ent in zip(entity_spans, entities, strict=True):
        seg = times.iloc[a : a + n]
        dup = seg.duplicated()
        if dup.any():
            where = f" within entity {ent!r}" if key else ""
            problems.append(
                f"time column {time_name!r} has duplicate timestamps{where} "
                f"(e.g. {seg[dup].iloc[0]} on {_lines(original_index[a : a + n][dup.to_numpy()])})"
            )
            if len(problems) > 5:
                break
    if problems:
        raise UserInputError(problems)


def _mark_context_columns(
    df: pd.DataFrame, specs: list[ColumnSpec], options: SchemaOptions, n_entities: int, warnings: list[str]
) -> None:
    """Set `is_context` on the columns named by --context, or (without it) on those constant within entities."""
    problems: list[str] = []
    key = options.sequence_key
    for spec in specs:
        if spec.name in options.context:
            assert key is not None  # _check_named_columns: --context needs --sequence-key
            ok, example = _constant_within(df, key, spec.name)
            if not ok:
                problems.append(
                    f"--context {spec.name}: the column is not constant within entity {example!r}; "
                    "context columns must have one value per entity"
                )
            spec.is_context = True
        elif key is not None and not options.context and n_entities > 1:
            ok, _ = _constant_within(df, key, spec.name)
            if ok and df[spec.name].nunique(dropna=False) > 1:
                spec.is_context = True
                warnings.append(
                    f"column {spec.name!r} is constant within each entity: modelled as context "
                    "(pass --context to choose the context columns yourself)"
                )
        if spec.is_context and spec.is_numeric and spec.has_missing:
            problems.append(f"context column {spec.name!r} has missing values; fill them or pass --ignore {spec.name}")
    if not any(not s.is_context for s in specs):
        problems.append("every modelled column is a context column: at least one column must vary over time")
    if problems:
        raise UserInputError(problems)


def _sequence_spans(
    n_rows: int, entity_spans: list[tuple[int, int]], key: str | None, shape: SequenceShape, warnings: list[str]
) -> tuple[list[tuple[int, int]], LengthSpec]:
    """Sequences: windows of one long series (seq_len, stride), or whole entities cut at max_seq_len."""
    if key is None:
        if n_rows < shape.seq_len + 1:
            raise UserInputError(
                f"only {n_rows} row{'s' if n_rows != 1 else ''}: need at least seq_len + 1 = {shape.seq_len + 1} "
                "rows (or pass a smaller --seq-len)"
            )
        spans = [(s, shape.seq_len) for s in range(0, n_rows - shape.seq_len + 1, shape.stride)]
        return spans, LengthSpec(max_len=shape.seq_len, variable=False, values=[shape.seq_len], counts=[len(spans)])
    spans = []
    for a, n in entity_spans:
        spans.extend((a + off, min(shape.max_seq_len, n - off)) for off in range(0, n, shape.max_seq_len))
    if any(n > shape.max_seq_len for _, n in entity_spans):
        warnings.append(f"entities longer than max_seq_len={shape.max_seq_len} were cut into pieces")
    counts = Counter(n for _, n in spans)
    values = sorted(counts)
    return spans, LengthSpec(
        max_len=max(counts), variable=len(counts) > 1, values=values, counts=[counts[v] for v in values]
    )


def _time_spec(
    times: pd.Series,
    dtype: str,
    read: _TimeRead,
    entity_spans: list[tuple[int, int]],
    seq_starts: list[int],
    warnings: list[str],
) -> TimeSpec:
    first = times.iloc[seq_starts]
    if read.kind == "integer":
        return TimeSpec(
            column=str(times.name),
            dtype=dtype,
            frequency=None,
            frequency_ns=integer_frequency(times.to_numpy(np.int64), entity_spans),
            start_min=str(int(first.min())),
            start_max=str(int(first.max())),
            kind="integer",
        )
    alias, freq_ns = _frequency(times, entity_spans, str(times.name), warnings)
    return TimeSpec(
        column=str(times.name),
        dtype=dtype,
        frequency=alias,
        frequency_ns=freq_ns,
        timezone=read.timezone,
        start_min=first.min().isoformat(),
        start_max=first.max().isoformat(),
        kind=read.kind,
        text_format=read.text_format,
    )


def _context_statistics(
    df: pd.DataFrame, specs: list[ColumnSpec], seq_starts: list[int]
) -> tuple[list[ContextCombo], list[ContextCombo]]:
    """What generation samples contexts from: the observed combinations of categorical context values
    (most frequent first), on each numeric context spec its quantiles (set in place), and the observed joint
    rows of all context columns (numeric values snapped to those quantiles, so computed after them)."""
    contexts = [s for s in specs if s.is_context]
    if not contexts:
        return [], []
    firsts = df.iloc[seq_starts]
    combos: list[ContextCombo] = []
    cat_ctx = [s.name for s in contexts if not s.is_numeric]
    if cat_ctx:
        tally = Counter(
            tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
            for row in firsts[cat_ctx].itertuples(index=False)
        )
        combos = [ContextCombo(values=list(k), count=c) for k, c in sorted(tally.items(), key=lambda kv: -kv[1])]
    for spec in contexts:
        if spec.is_numeric:
            spec.quantiles = np.quantile(firsts[spec.name].to_numpy(float), np.linspace(0, 1, 21)).tolist()
    return combos, observed_context_rows(firsts, contexts)


def options_like(schema: TableSchema) -> SchemaOptions:
    """The column overrides that make inference reproduce a trained model's column decisions."""
    return SchemaOptions(
        sequence_key=schema.sequence_key,
        time_column=schema.time.column if schema.time else None,
        categorical=[c.name for c in schema.columns if c.kind == "categorical"],
        numeric=[c.name for c in schema.columns if c.kind in ("continuous", "integer")],
        context=[c.name for c in schema.context_columns],
        ignore=list(schema.ignored),
        max_columns=max(1000, len(schema.column_order) + len(schema.ignored)),
    )


def prepare_like(raw: pd.DataFrame, schema: TableSchema) -> PreparedTable:
    """Other data (real data to score a model against) prepared with a trained model's decisions: the same
    column kinds, key, time column, context columns and sequence shape, and the model's own schema (its
    scaling and categories, not the data's)."""
    options = options_like(schema)
    # Cutting at the longest training sequence gives the training spans: that length is max_seq_len when
    # entities were cut, and no entity was longer otherwise.
    shape = SequenceShape(seq_len=schema.seq_len, stride=schema.stride or 1, max_seq_len=max(schema.lengths.max_len, 1))
    prepared = prepare_table(raw, options, shape)
    return PreparedTable(df=prepared.df, schema=schema, spans=prepared.spans)
