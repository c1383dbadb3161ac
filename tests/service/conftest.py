"""Shared fixtures: settings over a temp store, a TestClient, and a tiny trained model (trained once per
session with `training.api.train_version`, then copied into each test's own store)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the package is not necessarily pip-installed in the checkout's venv
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from service.api.main import create_app  # noqa: E402
from service.api.settings import Settings  # noqa: E402
from tests.service.helpers import ACTIVE_SCORE, MODEL, TINY, fixed_quality, make_settings  # noqa: E402


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
    from service.artifacts.tables import write_table
    from training.data.samples import energy_meters

    path = tmp_path_factory.mktemp("data") / "energy.csv"
    write_table(energy_meters(n_entities=16, seed=0), path)
    return path


@pytest.fixture(scope="session")
def trained_store(tmp_path_factory: pytest.TempPathFactory, training_csv: Path) -> Path:
    """A store with model `energy` v1 (active). Read-only: tests copy it (`model_store`)."""
    from training.api import train_version

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
