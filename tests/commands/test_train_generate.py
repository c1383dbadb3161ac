"""End to end through the CLI: train -> artifact -> generate (onnxruntime) in the user's layout and dtypes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chronogan.cli import main

# What these tests check is where the report's parts go, not the scores' values: a token protocol.
pytestmark = pytest.mark.usefixtures("fast_evaluation")

TINY = ["--max-minutes", "0.03", "--quiet", "--no-eval"]


@pytest.fixture(scope="module")
def energy_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from chronogan.training.data.samples import energy_meters

    root = tmp_path_factory.mktemp("energy")
    csv = root / "energy.csv"
    energy_meters(n_entities=30, seed=1, min_len=8, max_len=16).to_csv(csv, index=False)
    store = root / "store"
    assert (
        main(["train", str(csv), "--name", "energy", "--sequence-key", "meter_id", "--store", str(store), *TINY]) == 0
    )
    return csv, store


def test_artifact_folder_is_complete_and_checksummed(energy_store: tuple[Path, Path]) -> None:
    _, store = energy_store
    folder = store / "energy" / "v1"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) >= {
        "generator.onnx",
        "config.json",
        "history.json",
        "checkpoint/networks.safetensors",
        "checkpoint/networks.json",
        "checkpoint/spec.json",
    }
    assert manifest["graph"]["inputs"] == ["noise", "condition", "lengths"]
    assert manifest["schema"]["sequence_key"] == "meter_id"
    assert json.loads((store / "energy" / "active.json").read_text()) == {"version": "v1"}
    assert not (store / ".staging").exists() and not (store / ".locks").exists()


def test_generate_writes_the_original_long_layout(energy_store: tuple[Path, Path], tmp_path: Path) -> None:
    csv, store = energy_store
    real = pd.read_csv(csv)
    out = tmp_path / "synth.csv"
    assert main(["generate", "energy", "--n", "40", "--seed", "5", "--out", str(out), "--store", str(store)]) == 0
    synth = pd.read_csv(out)
    assert list(synth.columns) == list(real.columns)
    assert synth["meter_id"].nunique() == 40
    assert set(synth["status"].dropna()) <= set(real["status"])
    assert set(synth["region"]) <= set(real["region"])
    assert (synth.groupby("meter_id")["region"].nunique() == 1).all()  # context is constant per entity
    assert pd.api.types.is_integer_dtype(synth["occupants"])
    times = pd.to_datetime(synth["timestamp"])
    steps = times.groupby(synth["meter_id"]).diff().dropna()
    assert (steps == pd.Timedelta(hours=1)).all()
    lo, hi = real["temperature_c"].min(), real["temperature_c"].max()
    assert synth["temperature_c"].between(lo, hi).all()
    lengths = synth.groupby("meter_id").size()
    assert lengths.min() >= 8 and lengths.max() <= 16


def test_same_seed_same_bytes_and_context_conditioning(energy_store: tuple[Path, Path], tmp_path: Path) -> None:
    _, store = energy_store
    paths = []
    for i in range(2):
        paths.append(tmp_path / f"s{i}.parquet")
        assert (
            main(
                [
                    "generate",
                    "energy",
                    "--n",
                    "30",
                    "--seed",
                    "9",
                    "--out",
                    str(paths[-1]),
                    "--store",
                    str(store),
                    "--context",
                    "region=south",
                ]
            )
            == 0
        )
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert set(pd.read_parquet(paths[0])["region"]) == {"south"}


def test_bad_requests_exit_2_and_write_nothing(energy_store: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    _, store = energy_store
    out = tmp_path / "x.csv"
    assert (
        main(["generate", "energy", "--n", "3", "--out", str(out), "--store", str(store), "--context", "region=mars"])
        == 2
    )
    assert "'mars' is not a category" in capsys.readouterr().err
    assert main(["generate", "nope", "--n", "3", "--out", str(out), "--store", str(store)]) == 2
    assert not out.exists()


def test_failed_training_leaves_the_store_untouched(energy_store: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    _, store = energy_store
    before = {p: p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file() and ".locks" not in p.parts}
    bad = tmp_path / "bad.csv"
    bad.write_text("meter_id,value\nA,1\nA,oops\nA,3\n" + "".join(f"A,{i}\n" for i in range(30)))
    assert (
        main(["train", str(bad), "--name", "energy", "--sequence-key", "meter_id", "--store", str(store), *TINY]) == 2
    )
    assert "non-numeric" in capsys.readouterr().err
    after = {p: p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file() and ".locks" not in p.parts}
    assert after == before


def test_single_series_windows_and_crnngan(stocks_csv: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert main(["train", str(stocks_csv), "--name", "stocks", "--model", "crnngan", "--store", str(store), *TINY]) == 0
    out = tmp_path / "s.csv"
    assert main(["generate", "stocks", "--n", "7", "--seed", "1", "--out", str(out), "--store", str(store)]) == 0
    synth = pd.read_csv(out)
    assert list(synth.columns) == ["sequence_id", "step", "Open", "High", "Low", "Close", "Adj_Close", "Volume"]
    assert len(synth) == 7 * 24 and synth["step"].max() == 23
    assert pd.api.types.is_integer_dtype(synth["Volume"])
    assert np.isfinite(synth.drop(columns=["sequence_id", "step"]).to_numpy()).all()


def test_evaluate_writes_html_json_and_records_scores(
    energy_store: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv, store = energy_store
    manifest_before = (store / "energy" / "v1" / "manifest.json").read_bytes()
    out = tmp_path / "report.html"
    assert main(["evaluate", "energy", "--data", str(csv), "--quick", "--out", str(out), "--store", str(store)]) == 0
    html = out.read_text()
    assert "data:image/png;base64" in html and "<script" not in html
    metrics = json.loads(out.with_suffix(".json").read_text())
    assert 0.0 <= metrics["disc"]["mean"] <= 0.5
    # Recorded beside the published version, whose manifest stays byte for byte as published.
    assert (store / "energy" / "v1" / "manifest.json").read_bytes() == manifest_before
    recorded = json.loads((store / "energy" / "v1" / "evaluation" / "latest.json").read_text())
    assert recorded["discriminative"]["mean"] == metrics["disc"]["mean"]
    assert main(["models", "--store", str(store)]) == 0
    assert f"evaluated discriminative {metrics['disc']['mean']:.3f}" in capsys.readouterr().out


def test_evaluate_scores_a_generated_file_like_the_model_itself(
    energy_store: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    """`generate --out f` then `evaluate --synthetic f` is the same evaluation as sampling inside evaluate."""
    csv, store = energy_store
    synth = tmp_path / "synth.parquet"  # Parquet keeps the floats bit-exact, so the scores must match exactly
    assert main(["generate", "energy", "--n", "30", "--seed", "4", "--out", str(synth), "--store", str(store)]) == 0
    common = ["--data", str(csv), "--quick", "--no-manifest", "--seed", "4", "--store", str(store)]
    inside, from_file = tmp_path / "inside.html", tmp_path / "file.html"
    assert main(["evaluate", "energy", "--n", "30", "--out", str(inside), *common]) == 0
    assert main(["evaluate", "energy", "--synthetic", str(synth), "--out", str(from_file), *common]) == 0
    a = json.loads(inside.with_suffix(".json").read_text())
    b = json.loads(from_file.with_suffix(".json").read_text())
    assert a["disc"] == b["disc"] and a["pred"] == b["pred"]

    broken = tmp_path / "broken.csv"
    pd.read_parquet(synth).drop(columns=["load_kw"]).to_csv(broken, index=False)
    assert main(["evaluate", "energy", "--synthetic", str(broken), "--out", str(from_file), *common]) == 2
    assert "missing column(s) 'load_kw'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:  # the file decides how many sequences: --n makes no sense
        main(["evaluate", "energy", "--synthetic", str(synth), "--n", "5", "--out", str(from_file), *common])
    assert exit_info.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_train_takes_the_model_type_from_the_config_file(
    energy_store: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    csv, _ = energy_store
    store = tmp_path / "store"
    config = tmp_path / "crnngan.json"
    config.write_text(json.dumps({"model_type": "crnngan", "hidden_dim": 8}))
    base = ["train", str(csv), "--sequence-key", "meter_id", "--store", str(store), "--config", str(config), *TINY]
    assert main([*base, "--name", "from_file"]) == 0
    manifest = json.loads((store / "from_file" / "v1" / "manifest.json").read_text())
    assert manifest["config"]["model_type"] == "crnngan" and manifest["config"]["hidden_dim"] == 8

    assert main([*base, "--name", "conflict", "--model", "timegan"]) == 2
    assert "disagrees with the config's model_type 'crnngan'" in capsys.readouterr().err
    assert not (store / "conflict").exists()
