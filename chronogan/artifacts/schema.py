"""The table schema that travels with every model: what the columns are and how to rebuild them.

Training infers it from the data (`chronogan.training.data.infer`), the service validates requests against it and
uses it to turn the generator's outputs back into the user's table. Plain JSON via pydantic; no pickles.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SCHEMA_FORMAT = 1

ColumnKind = Literal["continuous", "integer", "categorical", "boolean", "datetime"]
Label = str | int | float | bool


class ColumnSpec(BaseModel):
    """One modelled column (neither the sequence key nor the time column)."""

    name: str
    kind: ColumnKind
    # The pandas dtype the column had on input, so outputs come back with the same dtype.
    dtype: str
    # Constant within each entity: modelled as a condition of the generator (CGAN).
    is_context: bool = False
    # categorical/boolean: labels in encoding order (None stands for a missing value seen in training).
    categories: list[Label | None] | None = None
    # continuous/integer/datetime (datetime as epoch nanoseconds): the range used for min-max scaling.
    minimum: float | None = None
    maximum: float | None = None
    # Fraction of missing cells in training; > 0 means the model has a missing-indicator channel.
    missing_rate: float = 0.0
    # A generated value is missing where its indicator channel exceeds this (set after training so the
    # missing rate comes back; 0.5 in artifacts saved before it was calibrated).
    missing_threshold: float = 0.5
    # Decimal places seen in the input (continuous only), so generated values look like the input's.
    decimals: int | None = None
    # Context numeric columns: quantiles (0, 0.05, ..., 1) of the per-entity values, for sampling.
    quantiles: list[float] | None = None

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("continuous", "integer", "datetime")

    @property
    def has_missing(self) -> bool:
        return self.missing_rate > 0.0


class TimeSpec(BaseModel):
    """The time column: its regular frequency and where generated sequences may start."""

    column: str
    dtype: str
    frequency: str | None = Field(None, description="pandas offset alias, e.g. 'D', 'h', '15min'")
    frequency_ns: int
    timezone: str | None = None
    # Generated sequences start uniformly on the frequency grid between these (ISO 8601; for an integer
    # index, the integers as text).
    start_min: str
    start_max: str
    # 'datetime': timestamps; 'integer': step numbers (0, 1, 2, ... per entity), generated back as integers
    # `frequency_ns` apart; 'yyyymmdd': integer dates such as 19580329, parsed as dates and written back so.
    kind: Literal["datetime", "integer", "yyyymmdd"] = "datetime"
    # strftime pattern of the input's text timestamps (None: not text, or no single pattern fits them all),
    # so generated timestamps are written the way they came in.
    text_format: str | None = None


class LengthSpec(BaseModel):
    """Sequence lengths: fixed (windows) or an empirical distribution (entities)."""

    max_len: int
    variable: bool
    values: list[int]
    counts: list[int]


class ContextCombo(BaseModel):
    """One observed combination of categorical context values and how many entities had it."""

    values: list[Label | None]
    count: int


class TableSchema(BaseModel):
    format: int = SCHEMA_FORMAT
    # 'windows': one long series cut into windows of seq_len; 'entities': one sequence per key value.
    layout: Literal["windows", "entities"]
    # Output column order: every input column except ignored ones, in input order.
    column_order: list[str]
    columns: list[ColumnSpec]
    sequence_key: str | None = None
    sequence_key_dtype: str | None = None
    time: TimeSpec | None = None
    seq_len: int
    stride: int | None = None
    lengths: LengthSpec
    ignored: list[str] = []
    # Joint distribution of categorical context columns (in `context_columns` order), for sampling.
    context_combos: list[ContextCombo] = []
    # Joint distribution of all context columns (in `context_columns` order): the observed rows, numeric
    # values with many distinct values snapped to their quantile grid (so no entity's exact value is
    # stored). Empty in artifacts saved before it existed: those sample numeric contexts from quantiles.
    context_rows: list[ContextCombo] = []
    n_rows: int = 0
    n_sequences: int = 0

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def context_columns(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.is_context]

    @property
    def temporal_columns(self) -> list[ColumnSpec]:
        return [c for c in self.columns if not c.is_context]

    @property
    def numeric_columns(self) -> list[ColumnSpec]:
        """Temporal numeric columns in the order of the graph's `numeric` output."""
        return [c for c in self.temporal_columns if c.is_numeric]

    @property
    def categorical_columns(self) -> list[ColumnSpec]:
        """Temporal categorical columns in the order of the graph's `categorical` output."""
        return [c for c in self.temporal_columns if not c.is_numeric]

    @property
    def id_column(self) -> str:
        return self.sequence_key or "sequence_id"

    @property
    def time_column(self) -> str:
        return self.time.column if self.time else "step"
