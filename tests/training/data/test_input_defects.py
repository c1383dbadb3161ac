"""Regression tests for the input defects of issue 11 (found by trying the CLI as a new user would)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chronogan.training.data.infer import prepare_table
from chronogan.training.data.io import read_table
from chronogan.training.data.options import SchemaOptions, SequenceShape

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.time_axis import TimeAxis

SHORT = SequenceShape(seq_len=5)


def _options(**kw: object) -> SchemaOptions:
    return SchemaOptions(**kw)  # type: ignore[arg-type]


def test_ragged_rows_name_line_numbers_and_field_counts(tmp_path: Path) -> None:
    # The first data row has two extra fields: pandas used to take the first two columns as the index and
    # train `Open` on the `Low` values without a word.
    path = tmp_path / "stocks.csv"
    rows = ["Date,Open,Low,Close"] + [f"2024-01-{d:02d},{d}.5,{d}.1,{d}.3" for d in range(1, 20)]
    rows[1] += ",99,98"
    rows[9] = rows[9].rsplit(",", 1)[0]
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(UserInputError) as err:
        read_table(path)
    message = str(err.value)
    assert "line 2 has 6 fields" in message and "line 10 has 3 fields" in message and "header has 4" in message


def test_quoted_newlines_and_blank_lines_are_not_ragged(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text('a,note\n1,"two\nlines"\n\n2,x\n')
    assert read_table(path).shape == (2, 2)


def test_repeated_header_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "joined.csv"
    path.write_text("a,b\n1,2\n3,4\na,b\n5,6\n")
    with pytest.raises(UserInputError, match="line 4 repeats the header"):
        read_table(path)


def test_column_limit_is_configurable() -> None:
    df = pd.DataFrame(np.arange(60.0).reshape(10, 6), columns=[f"c{i}" for i in range(6)])
    with pytest.raises(UserInputError, match=r"6 columns to model \(at most 4 .*--max-columns 6"):
        prepare_table(df, _options(max_columns=4), SHORT)
    assert len(prepare_table(df, _options(max_columns=4, ignore=["c0", "c1"]), SHORT).schema.columns) == 4
    assert len(prepare_table(df, _options(max_columns=6), SHORT).schema.columns) == 6


def test_integer_time_index_is_sorted_on_and_generated_back_as_integers() -> None:
    # Step numbers per entity (SDV's integer sequence_index), every 5 steps, rows shuffled within entities.
    rows = [(f"e{e}", 100 + 5 * t, float(t + e)) for e in range(3) for t in range(8)]
    df = pd.DataFrame(rows, columns=["id", "t", "value"]).sample(frac=1.0, random_state=0).reset_index(drop=True)
    prepared = prepare_table(df, _options(sequence_key="id", time_column="t"), SHORT)
    time = prepared.schema.time
    assert time is not None and (time.kind, time.frequency_ns, time.start_min) == ("integer", 5, "100")
    first = prepared.df[prepared.df["id"] == "e0"]
    assert first["t"].tolist() == sorted(first["t"].tolist()) and first["value"].tolist() == [
        float(v) for v in range(8)
    ]
    column = TimeAxis(time).column(np.array([100, 100]), np.array([3, 2]))
    assert column.dtype == np.int64 and column.tolist() == [100, 105, 110, 100, 105]


def test_yyyymmdd_integers_named_as_the_time_column_are_dates() -> None:
    days = pd.date_range("1958-03-29", periods=30, freq="D")
    df = pd.DataFrame({"date": days.strftime("%Y%m%d").astype(int), "value": np.arange(30.0)})
    time = prepare_table(df, _options(time_column="date"), SHORT).schema.time
    assert time is not None and (time.kind, time.frequency) == ("yyyymmdd", "D")
    start = np.array([pd.Timestamp("1958-03-29").value])
    assert TimeAxis(time).column(start, np.array([3])).tolist() == [19580329, 19580330, 19580331]


def test_other_numbers_as_time_column_are_still_a_clear_error() -> None:
    df = pd.DataFrame({"t": np.arange(30) * 0.5, "value": np.arange(30.0)})
    with pytest.raises(UserInputError, match="time column 't' holds decimal numbers"):
        prepare_table(df, _options(time_column="t"), SHORT)


@pytest.mark.parametrize(
    ("fmt", "step"),
    [("%Y-%m-%dT%H:%M:%S", "h"), ("%Y-%m-%d %H:%M", "15min"), ("%d/%m/%Y", "D"), ("%Y/%m/%d", "D")],
)
def test_timestamps_are_written_back_in_the_input_format(fmt: str, step: str) -> None:
    # Input `2024-01-17T04:00:00` used to come back as `2024-02-12 20:00:00`.
    stamps = pd.date_range("2024-01-17 04:00", periods=30, freq=step)
    df = pd.DataFrame({"time": stamps.strftime(fmt), "value": np.arange(30.0)})
    time = prepare_table(df, _options(), SHORT).schema.time
    assert time is not None and time.text_format == fmt
    out = TimeAxis(time).column(np.array([stamps[3].value]), np.array([2]))
    assert list(out) == [stamps[3].strftime(fmt), stamps[4].strftime(fmt)]


def test_mixed_formats_come_back_as_iso_datetimes() -> None:
    texts = [f"2024-02-{d:02d} 12:00" if d % 2 else f"2024/02/{d:02d} 12:00" for d in range(1, 21)]
    df = pd.DataFrame({"time": texts, "value": np.arange(20.0)})
    time = prepare_table(df, _options(), SHORT).schema.time
    assert time is not None and time.text_format is None
    out = TimeAxis(time).column(np.array([pd.Timestamp("2024-02-01 12:00").value]), np.array([2]))
    assert isinstance(out, pd.DatetimeIndex) and out[1] == pd.Timestamp("2024-02-02 12:00")


def test_daily_calendar_grid_has_the_right_dates() -> None:
    # pandas 3 made `Day` a calendar offset and parses text to microseconds: the grid came out in us, read
    # as ns, and every generated date was in January 1970.
    df = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=30, freq="D").strftime("%Y-%m-%d"), "v": 1.0})
    df["v"] = np.arange(30.0)
    axis = TimeAxis(prepare_table(df, _options(), SHORT).schema.time)  # type: ignore[arg-type]
    starts = axis.sample_starts(20, np.random.default_rng(0), None)
    out = pd.to_datetime(pd.Series(axis.column(starts, np.full(20, 3))))
    assert out.min() >= pd.Timestamp("2020-01-01") and out.max() <= pd.Timestamp("2020-02-01")


def test_numbers_with_units_are_a_clear_error() -> None:
    df = pd.DataFrame({"weight": [f"{10 + i * 0.5} kg" for i in range(30)]})
    with pytest.raises(UserInputError, match="'weight' holds numbers with units, such as '10.0 kg'"):
        prepare_table(df, _options(), SHORT)
    labels = pd.DataFrame({"grade": ["1st", "2nd", "3rd"] * 10, "v": np.arange(30.0)})
    assert prepare_table(labels, _options(), SHORT).schema.column("grade").kind == "categorical"


def test_spreadsheet_separator_hint_is_named(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\na;b\n1;2\n")
    with pytest.raises(UserInputError, match="line 1 is a spreadsheet's 'sep=;' hint"):
        read_table(path)
