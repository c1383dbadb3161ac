"""Shared fixtures: paths to data the tests may read, small generated tables, settings over a temp store,
a TestClient, and a tiny trained model (trained once per session with `chronogan.training.api.train_version`,
then copied into each test's own store)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from chronogan.service.api.main import create_app
from chronogan.service.api.settings import Settings
from fastapi.testclient import TestClient

from tests.helpers import ACTIVE_SCORE, MODEL, TINY, fixed_quality, make_settings

REPO = Path(__file__).resolve().parents[1]
STOCKS = REPO.parent / "shared" / "data" / "stock_data.csv"


@pytest.fixture
def stocks_csv() -> Path:
    if not STOCKS.is_file():
        pytest.skip("../shared/data/stock_data.csv is not available")
    return STOCKS


@pytest.fixture
def energy_df() -> pd.DataFrame:
    from chronogan.training.data.samples import energy_meters

    return energy_meters(n_entities=24, seed=3, min_len=10, max_len=20)


@pytest.fixture
def energy_csv(tmp_path: Path, energy_df: pd.DataFrame) -> Path:
    path = tmp_path / "energy.csv"
    energy_df.to_csv(path, index=False)
    return path


# ---- settings, clients and real model versions ---------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def settings(store: Path) -> Settings:
    return make_settings(store)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


# ---- real model versions -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def training_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chronogan.training.data.samples import energy_meters

    from chronogan.artifacts.tables import write_table

    path = tmp_path_factory.mktemp("data") / "energy.csv"
    write_table(energy_meters(n_entities=16, seed=0), path)
    return path


@pytest.fixture(scope="session")
def trained_store(tmp_path_factory: pytest.TempPathFactory, training_csv: Path) -> Path:
    """A store with model `energy` v1 (active). Read-only: tests copy it (`model_store`)."""
    from chronogan.training.api import train_version

    root = tmp_path_factory.mktemp("trained") / "models"
    with fixed_quality(ACTIVE_SCORE):
        train_version(training_csv, name=MODEL, store=root, options=TINY)
    return root


@pytest.fixture
def model_store(trained_store: Path, store: Path) -> Path:
    shutil.copytree(trained_store, store, ignore=shutil.ignore_patterns(".jobs", ".locks", ".staging"))
    return store


@pytest.fixture
def model_client(model_store: Path, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def fast_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """`evaluate --quick` with a token protocol (tens of classifier steps, small embedding samples): for tests
    about what the report holds and where it goes, not about the scores' values (which need the real steps)."""
    from chronogan.training.evaluation import report

    monkeypatch.setattr(
        report,
        "QUICK",
        report.Protocol(disc_steps=40, disc_repeats=2, pred_steps=40, pred_repeats=2, embed_samples=60, quick=True),
    )
