"""End to end for the loss options: `chronogan train --loss dragan|infogan|began` and `--supervised-loss l1`,
then export (the published artifact), generate (`--code` for InfoGAN) and serve (HTTP `codes`)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from chronogan.service.api.main import create_app
from chronogan.service.jobs.worker import Worker
from fastapi.testclient import TestClient

from chronogan.cli import main
from tests.helpers import make_settings

TINY = ["--max-minutes", "0.02", "--quiet", "--no-eval", "--sequence-key", "meter_id", "--seed", "0"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store with a version trained by the CLI for each option (C-RNN-GAN for infogan, to vary)."""
    from chronogan.training.data.samples import energy_meters

    root = tmp_path_factory.mktemp("losses")
    csv = root / "energy.csv"
    energy_meters(n_entities=12, seed=2, min_len=6, max_len=10).to_csv(csv, index=False)
    small = root / "small.json"
    small.write_text(json.dumps({"hidden_dim": 8, "num_layers": 1, "feature_matching": True}))
    store = root / "store"
    runs = {
        "dragan": ["--loss", "dragan"],
        "infogan": ["--loss", "infogan", "--model", "crnngan"],
        "began": ["--loss", "began"],
        "l1": ["--supervised-loss", "l1"],
        "l1crnn": ["--supervised-loss", "l1", "--model", "crnngan", "--config", str(small)],
    }
    for name, flags in runs.items():
        assert main(["train", str(csv), "--name", name, "--store", str(store), *TINY, *flags]) == 0, name
    return store


@pytest.mark.parametrize("name", ["dragan", "infogan", "began", "l1", "l1crnn"])
def test_trained_artifact_records_the_loss_and_generates(trained: Path, name: str, tmp_path: Path) -> None:
    manifest = json.loads((trained / name / "v1" / "manifest.json").read_text())
    config = manifest["config"]
    if name.startswith("l1"):
        assert config["supervised_loss"] == "l1" and config["loss"] == "bce"
    else:
        assert config["loss"] == name
    assert manifest["history_summary"]["onnx_check"]["max_relative_numeric_diff"] <= 1e-4
    assert ("no fixed equilibrium" in manifest["history_summary"]["equilibrium"]) == (name == "began")
    out = tmp_path / "synth.csv"
    assert main(["generate", name, "--n", "6", "--seed", "1", "--out", str(out), "--store", str(trained)]) == 0
    assert pd.read_csv(out)["meter_id"].nunique() == 6


def test_generate_with_codes_and_bad_codes_exit_2(trained: Path, tmp_path: Path, capsys) -> None:
    outs = {}
    for value in ("0", "2"):
        outs[value] = tmp_path / f"cat{value}.csv"
        argv = ["generate", "infogan", "--n", "8", "--seed", "3", "--out", str(outs[value]), "--store", str(trained)]
        assert main([*argv, "--code", f"cat0={value}", "--code", "cont0=0.25"]) == 0
    assert outs["0"].read_bytes() != outs["2"].read_bytes()  # the code reaches the generator
    again = tmp_path / "again.csv"
    argv = ["generate", "infogan", "--n", "8", "--seed", "3", "--out", str(again), "--store", str(trained)]
    assert main([*argv, "--code", "cat0=2", "--code", "cont0=0.25"]) == 0
    assert again.read_bytes() == outs["2"].read_bytes()  # same seed + codes -> same bytes

    for bad, message in [
        ("cat5=1", "'cat5' is not a latent code"),
        ("cat0=3", "an integer from 0 to 2"),
        ("cont0=2", "a number from -1 to 1"),
        ("cont0=high", "a number from -1 to 1"),
        ("cat0", "use NAME=VALUE"),
    ]:
        target = tmp_path / "bad.csv"
        assert main([*argv[:6], "--out", str(target), "--store", str(trained), "--code", bad]) == 2, bad
        assert message in capsys.readouterr().err and not target.exists()
    # a model trained without InfoGAN has no codes
    argv = ["generate", "dragan", "--n", "2", "--out", str(tmp_path / "d.csv"), "--store", str(trained)]
    assert main([*argv, "--code", "cat0=1"]) == 2
    assert "not trained with --loss infogan" in capsys.readouterr().err


def test_serve_codes_in_generate_and_batch_requests(trained: Path, tmp_path: Path) -> None:
    settings = make_settings(trained)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        detail = client.get("/v1/models/infogan").json()
        assert [c["name"] for c in detail["codes"]] == ["cat0", "cont0"]
        assert client.get("/v1/models/dragan").json()["codes"] == []

        def generate(codes: dict) -> object:
            body = {"n_sequences": 5, "seed": 9, "format": "csv", "codes": codes}
            return client.post("/v1/models/infogan/generate", json=body)

        low, high = generate({"cat0": 0}), generate({"cat0": 2, "cont0": -1})
        assert low.status_code == high.status_code == 200 and low.content != high.content
        assert generate({"cat0": 2, "cont0": -1}).content == high.content
        for bad, field in [({"cat3": 1}, "cat3"), ({"cat0": 7}, "cat0"), ({"cont0": 1.01}, "cont0")]:
            resp = generate(bad)
            assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/problem+json")
            assert field in resp.text
        assert generate({"cat0": "two"}).status_code == 422  # wrong type: rejected by the schema
        resp = client.post("/v1/models/began/generate", json={"n_sequences": 1, "codes": {"cat0": 1}})
        assert resp.status_code == 422 and "not trained with --loss infogan" in resp.text

        bad_batch = client.post("/v1/models/infogan/batches", json={"n_sequences": 5, "codes": {"cat0": 9}})
        assert bad_batch.status_code == 422
        job = client.post(
            "/v1/models/infogan/batches",
            json={"n_sequences": 5, "seed": 9, "format": "csv", "codes": {"cat0": 2, "cont0": -1}},
        )
        assert job.status_code == 202, job.text
        assert Worker(settings).run(until_empty=True) == 1
        result = client.get(f"/v1/jobs/{job.json()['id']}/result")
        assert result.status_code == 200
        pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(result.content)), pd.read_csv(io.BytesIO(high.content)))
