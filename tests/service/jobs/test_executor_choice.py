"""Choosing the executor: local is the default and never imports Ray; `--executor ray` without Ray
installed is a clear user error (exit 2); the setting is validated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from chronogan.service.api.settings import Settings
from pydantic import ValidationError

from tests.helpers import subprocess_env


def _without_ray(tmp_path: Path) -> dict[str, str]:
    """An environment in which `import ray` fails, as on an install without the `ray` extra."""
    fake = tmp_path / "no-ray"
    (fake / "ray").mkdir(parents=True)
    (fake / "ray" / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    env = subprocess_env()
    env["PYTHONPATH"] = f"{fake}:{env['PYTHONPATH']}"
    return env


def test_local_default_needs_no_ray(tmp_path: Path) -> None:
    code = (
        "import sys; from chronogan.service.api.main import create_app; from chronogan.service.api.settings "
        "import Settings; import chronogan.service.jobs.worker, chronogan.commands.serve; "
        f"s = Settings(store={str(tmp_path / 'models')!r}); assert s.executor == 'local'; create_app(s); "
        "assert 'ray' not in sys.modules, 'ray imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], env=_without_ray(tmp_path), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_serve_executor_ray_without_ray_exits_2(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "chronogan.cli", "serve", "--executor", "ray", "--store", str(tmp_path), "--port", "0"]
    done = subprocess.run(cmd, env=_without_ray(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert 'pip install "chronogan[ray]"' in done.stderr


def test_executor_settings_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONOGAN_EXECUTOR", "ray")
    monkeypatch.setenv("CHRONOGAN_RAY_ADDRESS", "127.0.0.1:6391")
    s = Settings(store=tmp_path)
    assert (s.executor, s.ray_address) == ("ray", "127.0.0.1:6391")
    with pytest.raises(ValidationError, match="executor"):
        Settings(store=tmp_path, executor="dask")
    with pytest.raises(ValidationError, match="ray_shard_sequences"):
        Settings(store=tmp_path, ray_shard_sequences=1000)  # shards are whole chunks of 1024
