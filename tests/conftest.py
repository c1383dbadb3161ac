"""Shared fixtures: paths to data the tests may read, and small generated tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
STOCKS = REPO.parent / "shared" / "data" / "stock_data.csv"


@pytest.fixture
def stocks_csv() -> Path:
    if not STOCKS.is_file():
        pytest.skip("../shared/data/stock_data.csv is not available")
    return STOCKS


@pytest.fixture
def energy_df() -> pd.DataFrame:
    from training.data.samples import energy_meters

    return energy_meters(n_entities=24, seed=3, min_len=10, max_len=20)


@pytest.fixture
def energy_csv(tmp_path: Path, energy_df: pd.DataFrame) -> Path:
    path = tmp_path / "energy.csv"
    energy_df.to_csv(path, index=False)
    return path
