"""Evaluation scores recorded beside a version (by `chronogan evaluate`) show in its metrics; the
published manifest is not touched."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from chronogan.artifacts.evaluation import read_evaluation, write_evaluation
from tests.helpers import MODEL


def test_version_metrics_show_the_recorded_evaluation(model_client: TestClient, model_store: Path) -> None:
    folder = model_store / MODEL / "v1"
    manifest = (folder / "manifest.json").read_bytes()
    before = model_client.get(f"/v1/models/{MODEL}").json()["versions"][0]["metrics"]
    assert "evaluation" not in before and "discriminative" in before

    write_evaluation(folder, {"discriminative": {"mean": 0.123, "std": 0.01}})
    after = model_client.get(f"/v1/models/{MODEL}").json()["versions"][0]["metrics"]
    assert after["evaluation"]["discriminative"]["mean"] == 0.123
    assert after["discriminative"] == before["discriminative"]
    assert (folder / "manifest.json").read_bytes() == manifest
    # The version still verifies and serves: the evaluation folder is not part of the published files.
    assert model_client.post(f"/v1/models/{MODEL}/generate", json={"n_sequences": 1, "seed": 1}).status_code == 200


def test_unreadable_evaluation_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "evaluation").mkdir()
    (tmp_path / "evaluation" / "latest.json").write_text("{not json")
    assert read_evaluation(tmp_path) is None
