"""`train --holdout` records what the model never saw; `evaluate` scores against it and prints the floor."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from chronogan.cli import main

# What these tests check is where the report's parts go, not the scores' values: a token protocol.
pytestmark = pytest.mark.usefixtures("fast_evaluation")

TINY = ["--max-minutes", "0.03", "--quiet", "--no-eval"]
QUICK = ["--quick", "--no-manifest"]


@pytest.fixture(scope="module")
def held_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from chronogan.training.data.samples import energy_meters

    root = tmp_path_factory.mktemp("held")
    csv = root / "energy.csv"
    energy_meters(n_entities=30, seed=2, min_len=8, max_len=16).to_csv(csv, index=False)
    store = root / "store"
    args = ["train", str(csv), "--name", "m", "--sequence-key", "meter_id", "--store", str(store), *TINY]
    assert main([*args, "--holdout", "0.2"]) == 0
    assert main([*args[:3], "plain", *args[4:]]) == 0  # the same data without a holdout
    return csv, store


def test_train_records_a_disjoint_holdout_and_trains_without_it(held_store: tuple[Path, Path]) -> None:
    csv, store = held_store
    manifest = json.loads((store / "m" / "v1" / "manifest.json").read_text())
    holdout = manifest["metrics"]["holdout"]
    assert holdout["kind"] == "entities" and len(holdout["keys"]) == 6
    assert set(holdout["keys"]) <= set(pd.read_csv(csv)["meter_id"])
    assert manifest["data_fingerprint"]["sequences"] == 24  # 30 entities, 6 held out, none of them trained on


def test_evaluate_scores_against_the_holdout_and_prints_the_floor(
    held_store: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    csv, store = held_store
    out = tmp_path / "r.html"
    assert (
        main(["evaluate", "m", "--data", str(csv), "--holdout", "--out", str(out), "--store", str(store), *QUICK]) == 0
    )
    printed = capsys.readouterr()
    assert "6 held-out real vs 6 synthetic" in printed.err
    assert "against the held-out data; real-vs-real floor" in printed.out
    metrics = json.loads(out.with_suffix(".json").read_text())
    assert metrics["disc_against"] == "held-out data"
    assert metrics["disc_floor"]["kind"] == "held-out vs training data"
    assert 0.0 <= metrics["disc_floor"]["mean"] <= 0.5
    assert "real-vs-real floor" in out.read_text()


def test_without_a_holdout_the_floor_is_two_halves_and_evaluate_holdout_is_refused(
    held_store: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    csv, store = held_store
    out = tmp_path / "p.html"
    common = ["--data", str(csv), "--out", str(out), "--store", str(store), *QUICK]
    assert main(["evaluate", "plain", *common]) == 0
    printed = capsys.readouterr().out
    assert "real-vs-real floor" in printed and "two halves of the real data" in printed
    assert "train with --holdout" in printed
    assert main(["evaluate", "plain", "--holdout", *common]) == 2
    assert "trained without a holdout" in capsys.readouterr().err


def test_train_refuses_a_holdout_that_leaves_nothing(held_store: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    csv, _ = held_store
    args = ["train", str(csv), "--name", "x", "--sequence-key", "meter_id", "--store", str(tmp_path), *TINY]
    assert main([*args, "--holdout", "0.9"]) == 2
    assert "holdout must be a fraction" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
