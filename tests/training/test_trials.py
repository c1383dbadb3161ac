"""`trials`: K runs side by side, the best kept; what a user relies on: the kept model is exactly the run of
the chosen seed, the choice is recorded and reproducible, and bad input still fails with its own message."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from chronogan.training.api import TrainRequest, train_version
from chronogan.training.trials import TrialResult, _choose

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.runtime import LoadedModel
from chronogan.cli import main

# Step caps, not a time budget: each trial is then deterministic, so the choice and the bytes are too.
CAPS = {"embedding_steps": 20, "supervised_steps": 20, "joint_steps": 20, "hidden_dim": 8, "num_layers": 1}


@pytest.fixture(scope="module")
def energy_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chronogan.training.data.samples import energy_meters

    path = tmp_path_factory.mktemp("trials") / "energy.csv"
    energy_meters(n_entities=24, seed=1, min_len=8, max_len=12).to_csv(path, index=False)
    return path


def _train(csv: Path, store: Path, *, seed: int, trials: int) -> tuple[dict, pd.DataFrame]:
    options = {"sequence_key": "meter_id", "seed": seed, "trials": trials, "config": CAPS}
    version, _ = train_version(csv, name="energy", store=store, options=options)
    folder = store / "energy" / version
    manifest = json.loads((folder / "manifest.json").read_text())
    return manifest, LoadedModel.load(folder).generate(10, seed=3)


def test_the_kept_model_is_the_chosen_seeds_run_and_the_choice_is_reproducible(
    energy_csv: Path, tmp_path: Path
) -> None:
    first, table = _train(energy_csv, tmp_path / "a", seed=4, trials=2)
    trials = first["history_summary"]["trials"]
    assert trials["count"] == 2 and trials["seeds"] == [4, 5]
    scores = trials["scores"]
    assert all(isinstance(s, float) for s in scores)
    assert trials["chosen"] == min(range(2), key=lambda i: (scores[i], i))
    assert first["config"]["seed"] == 4 + trials["chosen"]
    # The quick score the manifest reports is measured on the kept model, apart from the choice's score.
    assert "discriminative" in first["metrics"]

    again, table_again = _train(energy_csv, tmp_path / "b", seed=4, trials=2)
    assert again["history_summary"]["trials"] == trials
    pd.testing.assert_frame_equal(table, table_again)

    alone, table_alone = _train(energy_csv, tmp_path / "c", seed=4 + trials["chosen"], trials=1)
    assert "trials" not in alone["history_summary"]
    pd.testing.assert_frame_equal(table, table_alone)


def test_a_data_error_in_the_trials_fails_the_run_with_its_message_and_writes_nothing(
    energy_csv: Path, tmp_path: Path
) -> None:
    options = {"sequence_key": "no_such_column", "trials": 2, "config": CAPS}
    with pytest.raises(UserInputError, match="no_such_column"):
        train_version(energy_csv, name="energy", store=tmp_path, options=options)
    assert not (tmp_path / "energy").exists()


def test_a_budget_spent_while_the_trials_start_fails_with_a_message_that_says_so(
    energy_csv: Path, tmp_path: Path
) -> None:
    from chronogan.training.config import config_from_dict
    from chronogan.training.data.options import SchemaOptions
    from chronogan.training.trials import fit_trials

    config = config_from_dict({"model_type": "timegan", **CAPS})
    with pytest.raises(UserInputError, match=r"before trial \d could start training \(starting its interpreter"):
        fit_trials(config, energy_csv, SchemaOptions(sequence_key="meter_id"), 2, training_seconds=lambda: 0.001)


@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True, 65])
def test_bad_trials_values_name_the_field(value: object) -> None:
    with pytest.raises(UserInputError, match="trials") as info:
        TrainRequest.from_options({"trials": value})
    assert info.value.field == "options.trials"


def test_the_cli_refuses_bad_trials_with_exit_code_2(
    energy_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", str(energy_csv), "--name", "e", "--store", str(tmp_path), "--trials", "0", "--quiet"])
    assert code == 2
    assert "trials" in capsys.readouterr().err
    assert not (tmp_path / "e").exists()


def test_a_failed_trial_is_left_out_and_said_so() -> None:
    said: list[str] = []
    outcomes = {
        0: TrialResult(0, 7, False, error="its process ended with code -9"),
        1: TrialResult(1, 8, True, score=0.3, folder=Path("t1")),
        2: TrialResult(2, 9, True, score=0.2, folder=Path("t2")),
    }

    class Loaded:
        def __init__(self, folder: Path) -> None:
            self.folder, self.summary, self.seconds = folder, {}, {}

    kept = _choose(outcomes, 3, said.append, Loaded)
    assert kept.folder == Path("t2")
    assert kept.summary["trials"]["scores"] == [None, 0.3, 0.2]
    assert kept.summary["trials"]["chosen"] == 2
    assert any("trial 0 failed" in line and "-9" in line for line in said)


def test_when_every_trial_fails_the_run_fails() -> None:
    outcomes = {i: TrialResult(i, i, False, error=f"boom {i}") for i in range(2)}
    with pytest.raises(RuntimeError, match="all 2 trials failed.*boom 0"):
        _choose(outcomes, 2, lambda _m: None, Path)


def test_a_script_without_a_main_guard_trains_trials_on_the_holdout_training_part(tmp_path: Path) -> None:
    """Trials are fresh interpreters, not multiprocessing's spawn, which would re-run such a script in every
    trial; with a holdout every trial leaves out the same entities the manifest records."""
    import subprocess
    import sys

    from chronogan.training.data.samples import energy_meters

    energy_csv = tmp_path / "energy.csv"
    energy_meters(n_entities=80, seed=2, min_len=8, max_len=12).to_csv(energy_csv, index=False)
    store = tmp_path / "store"
    script = tmp_path / "train_script.py"
    options = {"sequence_key": "meter_id", "trials": 2, "holdout": 0.25, "config": CAPS}
    script.write_text(
        "from pathlib import Path\n"
        "from chronogan.training.api import train_version\n"
        f"train_version(Path({str(energy_csv)!r}), name='energy', store=Path({str(store)!r}), options={options!r})\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((store / "energy" / "v1" / "manifest.json").read_text())
    held = manifest["metrics"]["holdout"]["keys"]
    assert len(held) >= 2
    assert manifest["data_fingerprint"]["sequences"] == 80 - len(held)
    assert manifest["history_summary"]["trials"]["count"] == 2
