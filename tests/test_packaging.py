"""The installed package: a real wheel exposes only `chronogan`, its serving half runs without torch or the
training code, and the slim Docker stage copies only what serving needs."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import MODEL, ROOT, TRAINING_BLOCKER, free_port, wait_for


def _build_wheel(source: Path, out: Path) -> Path:
    # No build isolation: setuptools and wheel are in the dev venv, and no index is needed.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("chronogan-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy: a build in the checkout would leave build/ and *.egg-info behind.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("chronogan", "service", "training"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return _build_wheel(src, tmp_path_factory.mktemp("wheel"))


def _top_level(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return {name.split("/")[0] for name in z.namelist()}


def test_wheel_installs_only_the_chronogan_namespace(wheel: Path) -> None:
    assert _top_level(wheel) == {"chronogan", f"{wheel.name.split('-py3')[0]}.dist-info"}
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        requires = [line for line in z.read(meta).decode().splitlines() if line.startswith("Requires-Dist:")]
        console = z.read(entry_points).decode()
    assert {"chronogan/service/api/main.py", "chronogan/training/estimator.py", "chronogan/cli.py"} <= names
    assert "chronogan = chronogan.cli:main" in console
    base = [r for r in requires if "extra ==" not in r]
    assert base and not any("torch" in r for r in base), base  # torch only with the train extra


def test_a_checkout_without_training_builds_a_serving_only_wheel(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in _dockerfile_serve_copies():
        if folder not in ("pyproject.toml", "setup.py", "README.md", "constraints.txt"):
            shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    with zipfile.ZipFile(_build_wheel(src, tmp_path / "out")) as z:
        names = z.namelist()
    assert any(n.startswith("chronogan/service/") for n in names)
    assert not any(n.startswith("chronogan/training/") for n in names)


def _dockerfile_serve_copies() -> list[str]:
    """The sources the `serve` target copies: the COPY lines of its stage and of the stages it builds on."""
    stages: dict[str, tuple[str | None, list[str]]] = {}
    current = None
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if m := re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE):
            current = m.group(2)
            stages[current] = (m.group(1), [])
        elif current and (m := re.match(r"COPY\s+(?!--from)(.+)", line)):
            stages[current][1].extend(m.group(1).split()[:-1])  # the last word is the destination
    copies, stage = [], "serve"
    while stage in stages:
        parent, own = stages[stage]
        copies += own
        stage = parent or ""
    return copies


def test_dockerfile_serve_stage_does_not_copy_training() -> None:
    copies = _dockerfile_serve_copies()
    assert "chronogan" in copies and "service" in copies
    assert not any(c.rstrip("/").split("/")[0] in ("training", "tests", "benchmarks", ".") for c in copies), copies


@pytest.fixture
def unpacked(wheel: Path, tmp_path: Path) -> Path:
    """The wheel's files as an install would lay them out (a wheel is a zip of site-packages), with the
    torch/training blocker. Processes started with this on PYTHONPATH import our package from here."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    (site / "sitecustomize.py").write_text(TRAINING_BLOCKER)  # applies to every process started there
    return site


def _env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOGAN_") and k != "PYTHONPATH"}
    return {**env, "PYTHONPATH": str(site), "CHRONOGAN_ORT_THREADS": "1", "CHRONOGAN_POLL_SECONDS": "0.1"}


def test_installed_generate_and_serve_work_without_torch(unpacked: Path, model_store: Path, tmp_path: Path) -> None:
    env, cwd = _env(unpacked), tmp_path  # cwd: not the checkout, whose chronogan/ would shadow the wheel's
    check = "import chronogan.service.api.main as m\ntry:\n import torch\nexcept ImportError:\n print(m.__file__)"
    where = subprocess.run([sys.executable, "-c", check], env=env, cwd=cwd, capture_output=True, text=True)
    # Imported from the unpacked wheel, and torch is blocked there, so what follows really runs without it.
    assert where.stdout.strip().startswith(str(unpacked)), (where.stdout, where.stderr[-2000:])

    out = tmp_path / "synth.csv"
    gen = subprocess.run(
        [sys.executable, "-m", "chronogan.cli", "generate", MODEL, "--n", "4", "--seed", "1", "--out", str(out)]
        + ["--store", str(model_store)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert gen.returncode == 0, gen.stderr[-2000:]
    assert out.read_text().splitlines()[0].startswith("meter_id,")

    with _serve(env, cwd, model_store, tmp_path / "serve.log") as server:
        resp = httpx.post(f"{server}/v1/models/{MODEL}/generate", json={"n_sequences": 4, "seed": 1, "format": "csv"})
        assert resp.status_code == 200, resp.text
        assert resp.content == out.read_bytes()  # the same bytes as the CLI for the same seed
        job = httpx.post(f"{server}/v1/models/{MODEL}/batches", json={"n_sequences": 3, "seed": 1})
        assert job.status_code == 202, job.text
        url = f"{server}/v1/jobs/{job.json()['id']}"
        wait_for(lambda: httpx.get(url).json()["state"] in ("succeeded", "failed"), timeout=60, interval=0.2)
        assert httpx.get(url).json()["state"] == "succeeded", httpx.get(url).json()["error"]


@contextlib.contextmanager
def _serve(env: dict[str, str], cwd: Path, store: Path, log: Path) -> Iterator[str]:
    import signal

    port = free_port()
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "chronogan.cli", "serve", "--port", str(port), "--store", str(store)],
            env=env,
            cwd=cwd,
            stdout=sink,
            stderr=sink,
            start_new_session=True,
        )
        try:

            def ready() -> bool:
                assert proc.poll() is None, log.read_text()[-2000:]
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(ready, timeout=60, interval=0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
