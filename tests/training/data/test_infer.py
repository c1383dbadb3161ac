"""Schema inference and validation: what users get for good tables, and the errors for bad ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from chronogan.training.data.infer import prepare_table
from chronogan.training.data.options import SchemaOptions, SequenceShape

from chronogan.artifacts.errors import UserInputError

SHORT = SequenceShape(seq_len=5)


def series(n: int = 40, **cols: object) -> pd.DataFrame:
    base = {"x": np.linspace(0, 1, n)}
    base.update(cols)  # type: ignore[arg-type]
    return pd.DataFrame(base)


def test_single_series_is_windowed(stocks_csv) -> None:
    from chronogan.training.data.io import read_table

    prepared = prepare_table(read_table(stocks_csv), SchemaOptions(), SequenceShape(seq_len=24))
    schema = prepared.schema
    assert schema.layout == "windows"
    assert schema.n_sequences == 3685 - 24 + 1
    assert [c.kind for c in schema.columns] == ["continuous"] * 5 + ["integer"]
    assert schema.id_column == "sequence_id" and schema.time_column == "step"


def test_entities_kinds_context_time_and_missing(energy_df: pd.DataFrame) -> None:
    prepared = prepare_table(energy_df, SchemaOptions(sequence_key="meter_id"))
    schema = prepared.schema
    kinds = {c.name: (c.kind, c.is_context) for c in schema.columns}
    assert kinds == {
        "region": ("categorical", True),
        "capacity_kw": ("continuous", True),
        "temperature_c": ("continuous", False),
        "load_kw": ("continuous", False),
        "occupants": ("integer", False),
        "status": ("categorical", False),
    }
    assert schema.time is not None and schema.time.column == "timestamp" and schema.time.frequency == "h"
    assert schema.lengths.variable and schema.lengths.max_len == energy_df.groupby("meter_id").size().max()
    assert schema.column("load_kw").missing_rate > 0
    assert sum(c.count for c in schema.context_combos) == 24


def test_long_entities_are_cut_at_max_seq_len(energy_df: pd.DataFrame) -> None:
    prepared = prepare_table(energy_df, SchemaOptions(sequence_key="meter_id"), SequenceShape(max_seq_len=8))
    assert max(n for _, n in prepared.spans) == 8
    assert sum(n for _, n in prepared.spans) == len(energy_df)


def test_low_cardinality_integers_are_categorical_unless_told() -> None:
    df = series(100, code=np.arange(100) % 3)
    assert prepare_table(df, SchemaOptions(), SHORT).schema.column("code").kind == "categorical"
    assert prepare_table(df, SchemaOptions(numeric=["code"]), SHORT).schema.column("code").kind == "integer"


def test_thousands_separators_are_parsed() -> None:
    df = series(30, amount=[f"{1000 + i:,}" for i in range(30)])
    spec = prepare_table(df, SchemaOptions(), SHORT).schema.column("amount")
    assert spec.kind == "integer" and spec.minimum == 1000


def test_unsorted_time_is_sorted_and_mixed_offsets_become_utc() -> None:
    times = pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%dT00:00:00+01:00").tolist()
    times[3] = "2024-01-04T00:00:00+02:00"
    df = series(30, date=times[::-1])
    prepared = prepare_table(df, SchemaOptions(time_column="date"), SHORT)
    assert prepared.df["date"].is_monotonic_increasing
    assert any("UTC" in w for w in prepared.warnings)


@pytest.mark.parametrize(
    ("frame", "options", "message"),
    [
        (
            series(30, price=["n/a" if i in (3, 7) else str(i) for i in range(30)]),
            {},
            r"column 'price' has 2 non-numeric value\(s\) such as 'n/a' on lines 5, 9",
        ),
        (series(30, y=[np.inf] + [1.0] * 29), {}, "column 'y' has 1 infinite value"),
        (series(30, empty=[np.nan] * 30), {}, "column 'empty' is empty"),
        (series(30, note=[f"text {i}" for i in range(30)]).assign(note=lambda d: d.note.str.repeat(1)), {}, None),
        (series(5), {"seq_len": 24}, r"only 5 rows: need at least seq_len \+ 1 = 25"),
        (series(30, meter_id=range(30)), {"sequence_key": "meterid"}, "did you mean .meter_id."),
        (series(30, date=["2024-01-01"] * 30), {"time_column": "date", "seq_len": 5}, "duplicate timestamps"),
        (
            series(30, date=["not a date"] + ["2024-01-02"] * 29),
            {"time_column": "date", "seq_len": 5},
            "not dates/times",
        ),
        (series(30), {"context": ["x"]}, "--context needs --sequence-key"),
    ],
)
def test_validation_errors_name_column_rows_and_fix(frame: pd.DataFrame, options: dict, message: str | None) -> None:
    if message is None:  # free text with few rows is a legitimate categorical: no error
        prepare_table(frame, SchemaOptions(**options), SHORT)
        return
    with pytest.raises(UserInputError, match=message):
        shape = SequenceShape(seq_len=options.pop("seq_len", 5))
        prepare_table(frame, SchemaOptions(**options), shape)


def test_identifier_like_text_column_is_rejected() -> None:
    df = series(600, note=[f"free text {i}" for i in range(600)])
    with pytest.raises(UserInputError, match="looks like free text or an identifier; pass --ignore note"):
        prepare_table(df, SchemaOptions(), SHORT)


def test_duplicate_timestamp_names_the_entity() -> None:
    df = pd.DataFrame({"id": ["A"] * 3 + ["B"] * 3, "t": ["2024-01-01", "2024-01-01", "2024-01-02"] * 2, "v": range(6)})
    with pytest.raises(UserInputError, match="within entity 'A'"):
        prepare_table(df, SchemaOptions(sequence_key="id", time_column="t"))


def test_context_must_be_constant_within_entity() -> None:
    df = pd.DataFrame({"id": ["A"] * 3 + ["B"] * 3, "c": ["x", "y", "x", "z", "z", "z"], "v": range(6)})
    with pytest.raises(UserInputError, match="not constant within entity 'A'"):
        prepare_table(df, SchemaOptions(sequence_key="id", context=["c"]))


def test_all_problems_are_reported_together() -> None:
    df = series(30, a=[np.inf] * 30, b=[np.nan] * 30)
    with pytest.raises(UserInputError) as info:
        prepare_table(df, SchemaOptions(), SHORT)
    assert len(info.value.problems) == 2
