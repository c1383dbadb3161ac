"""`train` prints the quick score with its noise: two classifier runs can disagree by ~0.1 on one model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chronogan.cli import main
from chronogan.commands.train import _score_text


def test_train_prints_the_quick_score_with_its_standard_error_and_keeps_the_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chronogan.training import budget, quality
    from chronogan.training.data.samples import energy_meters

    # A token classifier budget (the real one takes a minute); the tiny training budget would skip scoring.
    monkeypatch.setattr(quality, "QUICK_STEPS", 10)
    monkeypatch.setattr(budget.CommandBudget, "allows_scoring", lambda self: True)
    csv = tmp_path / "energy.csv"
    energy_meters(n_entities=12, seed=1, min_len=8, max_len=12).to_csv(csv, index=False)
    args = ["train", str(csv), "--name", "m", "--sequence-key", "meter_id", "--store", str(tmp_path / "store")]
    assert main([*args, "--max-minutes", "0.03", "--quiet"]) == 0

    disc = json.loads((tmp_path / "store" / "m" / "v1" / "manifest.json").read_text())["metrics"]["discriminative"]
    assert len(disc["values"]) == disc["repeats"] == 2
    assert disc["mean"] == pytest.approx(sum(disc["values"]) / 2)
    assert disc["se"] == pytest.approx(abs(disc["values"][0] - disc["values"][1]) / 2)
    line = next(x for x in capsys.readouterr().out.splitlines() if "quick discriminative score" in x)
    assert f"{disc['mean']:.3f} ± {disc['se']:.3f} (standard error over 2 classifier runs;" in line
    assert "0 = indistinguishable from the training data" in line


def test_a_manifest_without_the_runs_prints_the_mean_alone() -> None:
    assert _score_text({"mean": 0.3, "std": 0.0}, "the training data") == (
        "0.300 (0 = indistinguishable from the training data)"
    )
