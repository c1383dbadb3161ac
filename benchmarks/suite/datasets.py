"""The suite's data sets. Each loads from a file that ships inside an installed package (nothing is
downloaded at run time), from the repository's shared folder (Stocks), or is generated (Sines, energy).

Reserved for an independent evaluation and never used here: sktime's BasicMotions, ItalyPowerDemand,
JapaneseVowels; statsmodels' co2, macrodata, grunfeld.

Every loader returns the raw long table exactly as a user would hand it to `chronogan train`, plus the
schema options a user would pass (sequence key, context, window length): the data's shape, never the
training recipe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
# The checkout's sibling shared/ folder (a worktree may sit one level deeper than the main checkout).
STOCKS = next(
    (
        p / "shared" / "data" / "stock_data.csv"
        for p in REPO.parents
        if (p / "shared" / "data" / "stock_data.csv").is_file()
    ),
    REPO.parent / "shared" / "data" / "stock_data.csv",
)
RESERVED = frozenset({"basicmotions", "italypowerdemand", "japanesevowels", "co2", "macrodata", "grunfeld"})


@dataclass(frozen=True)
class SuiteData:
    name: str
    source: str  # which package (or file) provides it
    covers: tuple[str, ...]  # the shapes of the list it stands for
    load: Callable[[], pd.DataFrame]
    options: dict[str, Any] = field(default_factory=dict)  # SchemaOptions fields
    shape: dict[str, Any] = field(default_factory=dict)  # config fields that follow the data (seq_len)
    fixed_length: bool = True  # every sequence the same length (what DGAN needs)
    eval_scale: str = "encoded"  # "encoded": the model's [0, 1] scaling; "native": undo it (Sines)


def _stocks() -> pd.DataFrame:
    return pd.read_csv(STOCKS)


def _sines() -> pd.DataFrame:
    from chronogan.training.evaluation.datasets import sines

    x = sines(n=10000, seq_len=24, dim=5, seed=0)
    n, t, f = x.shape
    df = pd.DataFrame(x.reshape(n * t, f), columns=[f"f{i}" for i in range(f)])
    df.insert(0, "sample", np.repeat(np.arange(n), t))
    return df


def _energy() -> pd.DataFrame:
    from chronogan.training.data.samples import energy_meters

    return energy_meters(n_entities=120, seed=0)


def _gunpoint() -> pd.DataFrame:
    """UCR GunPoint, train and test parts together: 200 hand trajectories of 150 steps, class as context."""
    from sktime.datasets import load_gunpoint

    x, y = load_gunpoint(return_type="numpy3D")  # [200, 1, 150], labels '1'/'2'
    n, _, t = x.shape
    return pd.DataFrame(
        {
            "case": np.repeat(np.arange(n), t),
            "step": np.tile(np.arange(t), n),
            "x": x[:, 0, :].ravel(),
            "gesture": np.repeat(np.where(y == "1", "gun", "point"), t),
        }
    ).drop(columns="step")


def _seattle_weather() -> pd.DataFrame:
    """vega_datasets' seattle-weather.csv: 1,461 days, 4 numeric channels and the categorical `weather`."""
    from vega_datasets import local_data

    return local_data.seattle_weather()


def _us_employment() -> pd.DataFrame:
    """vega_datasets' us-employment.csv: 120 months of 23 employment series (thousands of jobs)."""
    from vega_datasets import local_data

    return local_data.us_employment()


def _fertility() -> pd.DataFrame:
    """statsmodels' fertility (World Bank births per woman, 1960-2013), one entity per country from its
    first to its last reported year: lengths 3..52, with the gaps inside a country's record kept as missing."""
    import statsmodels.api as sm

    wide = sm.datasets.fertility.load_pandas().data
    years = [c for c in wide.columns if str(c).isdigit()]
    rows = []
    for _, r in wide.iterrows():
        v = r[years].to_numpy(dtype=float)
        seen = np.flatnonzero(~np.isnan(v))
        if len(seen) == 0:
            continue
        span = range(seen[0], seen[-1] + 1)
        rows.extend((r["Country Code"], f"{years[i]}-01-01", v[i]) for i in span)
    return pd.DataFrame(rows, columns=["country", "year", "fertility"])


def _sunspots() -> pd.DataFrame:
    """statsmodels' sunspots: yearly sunspot activity 1700-2008, one univariate series."""
    import statsmodels.api as sm

    return sm.datasets.sunspots.load_pandas().data[["SUNACTIVITY"]]


def _uschange() -> pd.DataFrame:
    """sktime's Uschange (fpp2's uschange): 187 quarters of 5 US growth rates."""
    from sktime.datasets import load_uschange

    y, x = load_uschange()
    return pd.concat([y, x], axis=1).reset_index(drop=True)


DATASETS: dict[str, SuiteData] = {
    d.name: d
    for d in (
        SuiteData(
            "stocks", "shared/data/stock_data.csv (TimeGAN's Google stock)", ("long multivariate series",), _stocks
        ),
        SuiteData(
            "sines",
            "generated (TimeGAN's sine_data_generation)",
            ("many fixed-length entities",),
            _sines,
            options={"sequence_key": "sample"},
            eval_scale="native",
        ),
        SuiteData(
            "energy",
            "generated (chronogan sample-data energy)",
            ("variable-length entities", "missing values", "integer column", "categorical column", "context"),
            _energy,
            options={"sequence_key": "meter_id"},
            fixed_length=False,
        ),
        SuiteData(
            "gunpoint",
            "sktime (sktime/datasets/data/GunPoint/*.ts)",
            ("many fixed-length entities with a class label as context", ">= 100 steps"),
            _gunpoint,
            options={"sequence_key": "case", "context": ["gesture"]},
        ),
        SuiteData(
            "seattle_weather",
            "vega_datasets (vega_datasets/_data/seattle-weather.csv)",
            ("long multivariate series", "categorical temporal column"),
            _seattle_weather,
        ),
        SuiteData(
            "us_employment",
            "vega_datasets (vega_datasets/_data/us-employment.csv)",
            (">= 10 channels", "long multivariate series"),
            _us_employment,
            options={"time_column": "month"},
            shape={"seq_len": 12},
        ),
        SuiteData(
            "fertility",
            "statsmodels (statsmodels/datasets/fertility/fertility.csv)",
            ("variable-length entities", "missing values"),
            _fertility,
            options={"sequence_key": "country", "time_column": "year"},
            fixed_length=False,
        ),
        SuiteData(
            "sunspots",
            "statsmodels (statsmodels/datasets/sunspots/sunspots.csv)",
            ("univariate long series",),
            _sunspots,
        ),
        SuiteData(
            "uschange",
            "sktime (sktime/datasets/data/Uschange/Uschange.csv)",
            ("long multivariate series",),
            _uschange,
            shape={"seq_len": 12},
        ),
    )
}
assert not RESERVED & set(DATASETS)


def select(names: str | None) -> list[SuiteData]:
    """`a,b` -> those data sets in that order; None or 'all' -> every one."""
    if not names or names == "all":
        return list(DATASETS.values())
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in DATASETS]
    if unknown:
        raise SystemExit(f"unknown data set(s) {unknown}; known: {', '.join(DATASETS)}")
    return [DATASETS[n] for n in wanted]
