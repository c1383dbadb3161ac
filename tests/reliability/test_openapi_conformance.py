"""`schemathesis run <server>/openapi.json --checks all` against a real `chronogan serve` finds nothing.

Every check schemathesis has, including `positive_data_acceptance` (a request the schema allows must not be
rejected) and `negative_data_rejection` (a request it forbids must not be accepted): the published document
states every rule the server enforces. The server holds two models, one with a time column and context
columns (`energy`) and one with neither (`plain`), so the model-dependent rules are reached; an API key is
set and sent. Workers are off (batch and retrain jobs are only queued: the run tests the API, not training)
and the synchronous limit is small (the schema publishes it, so generated requests stay quick).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import ROOT, ServeProcess, fixed_quality, subprocess_env

CONFIG = ROOT / "tests" / "reliability" / "schemathesis.toml"
API_KEY = "conformance-key"
SEED = 1
MAX_EXAMPLES = 60  # per operation in the fuzzing phase; with the coverage and stateful phases: > 1,000 requests
MIN_REQUESTS = 1000


@pytest.fixture(scope="module")
def two_model_store(trained_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chronogan.training.api import train_version

    root = tmp_path_factory.mktemp("conformance") / "models"
    shutil.copytree(trained_store, root, ignore=shutil.ignore_patterns(".jobs", ".locks", ".staging"))
    rng = np.random.default_rng(0)
    plain = root.parent / "plain.csv"
    pd.DataFrame({"a": rng.normal(size=60).cumsum(), "b": rng.integers(0, 5, 60)}).to_csv(plain, index=False)
    options = {"max_minutes": 0.05, "hidden_dim": 8, "num_layers": 1, "seed": 0, "seq_len": 8}
    with fixed_quality(0.3):
        train_version(plain, name="plain", store=root, options=options)
    return root


def run_schemathesis(url: str, report_dir: Path) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-c",
        "from schemathesis.cli import schemathesis; schemathesis()",
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--header",
        f"X-API-Key: {API_KEY}",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]
    # From the repository root: the config's `hooks` module is imported from there.
    return subprocess.run(cmd, cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=900)


# Minutes long (schemathesis drives every operation against a real server): run in the slow pass.
@pytest.mark.slow
def test_schemathesis_all_checks_find_nothing(two_model_store: Path, tmp_path: Path) -> None:
    server = ServeProcess(
        two_model_store,
        tmp_path / "serve.log",
        CHRONOGAN_API_KEY=API_KEY,
        CHRONOGAN_WORKERS="0",
        CHRONOGAN_SYNC_LIMIT_SEQUENCES="50",
    )
    try:
        server.wait_ready(timeout=120)
        result = run_schemathesis(server.url, tmp_path / "report")
    finally:
        server.stop()
    output = result.stdout + result.stderr
    print(output[-3000:])
    summary = re.search(r"(\d+) generated, (\d+) passed", output)
    assert summary is not None, output[-3000:]
    generated, passed = int(summary.group(1)), int(summary.group(2))
    assert result.returncode == 0, output[-6000:]
    assert generated == passed >= MIN_REQUESTS, output[-3000:]
    for finding in ("failure", "error"):  # neither failures nor errors (network, schema) of any kind
        assert not re.search(rf"\b\d+ {finding}", output.split("SUMMARY")[-1]), output[-3000:]
