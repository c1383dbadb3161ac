"""`chronogan evaluate --holdout-data FILE`: the privacy check against unseen data in the JSON, the HTML report, the
manifest and over HTTP (`GET /v1/models/{name}/versions/{version}`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chronogan.service.api.main import create_app
from fastapi.testclient import TestClient

from chronogan.artifacts.evaluation import read_evaluation
from chronogan.artifacts.tables import write_table
from chronogan.cli import main
from tests.helpers import MODEL, make_settings

# What these tests check is where the report's parts go, not the scores' values: a token protocol.
pytestmark = pytest.mark.usefixtures("fast_evaluation")


def test_evaluate_with_holdout_reports_privacy_everywhere(
    model_store: Path, training_csv: Path, tmp_path: Path, capsys: Any
) -> None:
    from chronogan.training.data.samples import energy_meters

    unseen = tmp_path / "unseen.csv"
    write_table(energy_meters(n_entities=8, seed=99), unseen)  # same generator, entities never trained on
    out = tmp_path / "report.html"
    args = ["evaluate", MODEL, "--data", str(training_csv), "--holdout-data", str(unseen), "--quick", "--n", "24"]
    assert main([*args, "--out", str(out), "--store", str(model_store)]) == 0
    printed = capsys.readouterr().out
    assert "privacy passed" in printed or "privacy FAILED" in printed

    metrics = json.loads(out.with_suffix(".json").read_text())
    privacy = metrics["privacy"]
    assert privacy["n_validation"] == 8 and privacy["n_training"] == 16 and privacy["n_synthetic_checked"] == 24
    assert 0.0 <= privacy["share_closer_to_training"] <= 1.0 and privacy["dcr_ratio"] > 0
    html = out.read_text()
    assert "<h2>Privacy</h2>" in html and "closer to a training record" in html
    # Published manifests are immutable: the evaluation is recorded beside the version and shown with it.
    recorded = read_evaluation(model_store / MODEL / "v1")
    assert recorded is not None and recorded["privacy"]["dcr_ratio"] == privacy["dcr_ratio"], recorded

    with TestClient(create_app(make_settings(model_store))) as client:
        version = client.get(f"/v1/models/{MODEL}/versions/v1")
        assert version.status_code == 200 and version.json()["privacy"]["dcr_ratio"] == privacy["dcr_ratio"]
        assert client.get(f"/v1/models/{MODEL}/versions/v9").status_code == 404
        assert client.get(f"/v1/models/{MODEL}/versions/latest").status_code == 422


def test_evaluate_without_holdout_says_privacy_was_not_measured(
    model_store: Path, training_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    args = ["evaluate", MODEL, "--data", str(training_csv), "--quick", "--n", "16", "--no-manifest"]
    assert main([*args, "--out", str(out), "--store", str(model_store)]) == 0
    assert "privacy" not in json.loads(out.with_suffix(".json").read_text())
    assert "Not measured: pass <code>--holdout-data FILE</code>" in out.read_text()
