"""Helpers shared by the service tests (imported as `tests.helpers`)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

from chronogan.service.api.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
MODEL = "energy"
# About three seconds of training: the quality is irrelevant here, the artifacts are real.
TINY = {"sequence_key": "meter_id", "max_minutes": 0.05, "hidden_dim": 8, "num_layers": 1, "seed": 0}


# The discriminative score the session's trained version gets (see `fixed_quality`).
ACTIVE_SCORE = 0.30


@contextlib.contextmanager
def fixed_quality(score: float) -> Iterator[None]:
    """Make `train_version` report this in-sample quick score instead of running it (the CLI's score; the
    retrain gate never uses it: it scores candidates on held-out data, for real, in every test).
    The quick evaluation trains classifiers for over a minute on 2 cores, and these tests are about the
    artifacts, not the score."""
    metrics = {"discriminative": {"mean": score, "std": 0.0, "protocol": "test"}}
    # The tiny test budgets are spent before scoring, which would skip the (mocked) score altogether.
    with (
        mock.patch("chronogan.training.api.quick_metrics", return_value=metrics),
        mock.patch("chronogan.training.budget.CommandBudget.allows_scoring", return_value=True),
    ):
        yield


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: our checkout importable, no stray CHRONOGAN_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOGAN_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    env.update(extra)
    return env


def make_settings(store: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "store": store,
        "poll_seconds": 0.1,
        "heartbeat_seconds": 0.2,
        "warm_on_start": False,
        "ort_threads": 1,
        # The real gate runs in every retrain test; a few classifier steps keep it to seconds. The test that
        # needs its decisions to mean something (tests/service/jobs/test_gate_end_to_end.py) sets its own.
        "gate_steps": 20,
        "gate_repeats": 2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def wait_for(cond: Callable[[], object], timeout: float = 10.0, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not reached within {timeout}s")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """`chronogan serve` in its own process group (so the test can kill it *and* its worker at once)."""

    def __init__(self, store: Path, log: Path, **env: str) -> None:
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        cmd = [sys.executable, "-m", "chronogan.cli", "serve", "--port", str(self.port), "--store", str(store)]
        self.proc = subprocess.Popen(
            cmd,
            env=subprocess_env(**env),
            cwd=ROOT,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited with {self.proc.returncode}")
            try:
                return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(ready, timeout=timeout, interval=0.2)

    def stop(self) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except Exception:
                self.kill()
        self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL serve and its workers: a crash, not a shutdown."""
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def parse_samples(text: str) -> list:  # type: ignore[type-arg]
    """Every sample of a Prometheus text exposition (prometheus-client's own parser)."""
    from prometheus_client.parser import text_string_to_metric_families

    return [s for family in text_string_to_metric_families(text) for s in family.samples]


# Python source that makes `import torch` and `import chronogan.training` fail in the process that runs it
# (as in an install without the train extra): the packaging and import-direction tests run code under it.
TRAINING_BLOCKER = """
import importlib.abc, sys

class _Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch" or name.startswith("chronogan.training"):
            raise ModuleNotFoundError(f"{name} is blocked: imported at import time or without the train extra")
        return None

sys.meta_path.insert(0, _Blocked())
"""
