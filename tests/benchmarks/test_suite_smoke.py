"""The fidelity suite's fast part: one tiny data set through hold-out, training, onnxruntime generation,
scoring and the table, in seconds. No fidelity assertion: a smoke test that the pipeline holds together."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.suite import datasets as suite_data
from benchmarks.suite.runner import main, run_one
from benchmarks.suite.table import render


def _tiny() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n, t = 30, 8
    walk = 0.1 * rng.normal(size=(n, t, 2)).cumsum(axis=1)
    return pd.DataFrame({"e": np.repeat(np.arange(n), t), "a": walk[..., 0].ravel(), "b": walk[..., 1].ravel()})


TINY = suite_data.SuiteData("tiny", "generated in the test", ("smoke",), _tiny, options={"sequence_key": "e"})


def test_one_data_set_goes_through_the_whole_suite_pipeline() -> None:
    (row,) = run_one(
        TINY, minutes=0.02, seed=0, repeats=2, steps_scale=0.01, settings={"model_type": "timegan"}, log=lambda _m: None
    )
    assert row["heldout_sequences"] == 6 and row["train_sequences"] == 24  # 20% of the entities held out
    assert row["holdout"]["kind"] == "entities"
    for key in ("discriminative", "floor", "predictive", "predictive_train_on_real"):
        assert len(row[key]["values"]) == 2 and "se" in row[key]
    table = render([row], summary=True)
    assert (
        "| tiny | chronogan timegan |" in table
        and "**median** (1 sets)" in table
        and "**worst** (disc: tiny; ratio: tiny)" in table
    )


def test_the_command_writes_json_with_its_conditions(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(suite_data.DATASETS, "tiny", TINY)
    main(["--suite", "--datasets", "tiny", "--minutes", "0.02", "--repeats", "2", "--eval-steps-scale", "0.01",
          "--label", "t", "--out-dir", str(tmp_path)])  # fmt: skip
    result = json.loads((tmp_path / "suite-t.json").read_text())
    assert result["conditions"]["minutes"] == 0.02 and [r["dataset"] for r in result["rows"]] == ["tiny"]
    assert "floor ± se" in capsys.readouterr().out


def test_the_suite_covers_the_issue_and_never_uses_a_reserved_set() -> None:
    names = set(suite_data.DATASETS)
    assert len(names) >= 8 and not names & suite_data.RESERVED
    covered = " ".join(c for d in suite_data.DATASETS.values() for c in d.covers)
    for shape in ("long multivariate series", "class label as context", "variable-length entities", ">= 10 channels",
                  "missing values", "categorical", ">= 100 steps"):  # fmt: skip
        assert shape in covered, shape
    assert all(d.source for d in suite_data.DATASETS.values())


@pytest.mark.parametrize("name", ["gunpoint", "seattle_weather", "us_employment", "fertility", "sunspots", "uschange"])
def test_package_data_sets_load_from_the_installed_package(name: str) -> None:
    data = suite_data.DATASETS[name]
    package = data.source.split(" ")[0]
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed (pip install -c constraints.txt '.[bench]')")
    df = data.load()
    assert len(df) > 100 and all(c in df.columns for c in data.options.get("context", []))
