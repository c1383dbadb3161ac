"""The import direction, enforced: every module of the CLI, the torch-free contract and the service imports
with torch and `chronogan.training` unavailable (ruff's TID251/TID253 settings in chronogan/ruff.toml,
chronogan/artifacts/ruff.toml and service/ruff.toml say the same to the linter)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.helpers import ROOT, TRAINING_BLOCKER, subprocess_env

SCRIPT = TRAINING_BLOCKER + textwrap.dedent(
    """
    import importlib, pkgutil
    import chronogan, chronogan.service
    names = []
    for package in (chronogan, chronogan.service):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.startswith("chronogan.training"):
                importlib.import_module(info.name)
                names.append(info.name)
    print(len(names), " ".join(names))
    """
)


def test_cli_contract_and_service_import_without_training_or_torch() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=subprocess_env(), cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    count, names = proc.stdout.split(" ", 1)
    imported = set(names.split())
    # The walk really covered the three parts (a broken walk importing nothing would pass otherwise).
    assert {"chronogan.cli", "chronogan.artifacts.runtime", "chronogan.service.api.main"} <= imported
    assert {"chronogan.commands.train", "chronogan.service.jobs.retrain"} <= imported
    assert int(count) >= 40
