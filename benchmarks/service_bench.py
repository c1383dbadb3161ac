"""Service benchmark (issue 4): HTTP latency and throughput, a 1M-sequence batch job, onnxruntime vs torch.

Against a TimeGAN model on the Stocks data (6 numeric columns, seq_len 24), trained for a few seconds into
a temp store (the ONNX graph's cost does not depend on how long it trained). Prints a table and writes
`benchmarks/results/service.json`.

    .venv/bin/python benchmarks/service_bench.py                       # everything, about 5 minutes
    .venv/bin/python benchmarks/service_bench.py --store /tmp/s        # reuse (or create) a store there
    .venv/bin/python benchmarks/service_bench.py --batch-sequences 100000 --duration 10

Measured parts (0. and 5. added for issue 13):
0. Where the time goes, in-process, for 1, 100 and 10,000 sequences (JSON): the bare onnxruntime call
   (the floor: noise already drawn), then the stages of one request: graph (sampling + session.run), decode
   (`build_table`), encode (`json_body`), framework (the ASGI app called directly, minus those) and HTTP
   (loopback p50 minus the in-process ASGI time). Medians.
1. `POST /v1/models/stocks/generate` (100 sequences x 24 steps, JSON): p50/p99 over sequential requests
   against `chronogan serve --no-worker` on 127.0.0.1 (a subprocess of this script).
2. Throughput at 32 concurrent clients (benchmarks/http_client.py, one keep-alive connection each) for a
   fixed duration: requests/s and errors.
   The clients run on the same 2 cores as the server, so they take CPU from it: this is a lower bound.
3. A batch job of N sequences to Parquet, run the way the worker runs it (`iter_chunks` +
   `ChunkedTableWriter`), in a child process: wall time and peak RSS (`RUSAGE_CHILDREN`).
4. Generator throughput, onnxruntime vs torch eager, same graph, batch 1024, same run.
5. Overload: 64 clients for 60 s on the same request: p50/p99 of the 200s, how many fast 503s and how fast,
   other errors, and the server's RSS (all its processes) at the start and the end.
6. onnxruntime session options (optimisation level, a saved optimised model, threads) on the same graph.

`--code DIR` measures another checkout (e.g. the code before a change; DIR needs `chronogan/service` and
`chronogan/training` links to its `service/`, `training/`), `--hide-fast-libs` hides httptools and uvloop
from the server (as before uvicorn[standard] was a dependency). The load generator's CPU time (this
process) is reported beside each concurrent run: it shares the cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from http_client import Connection, HttpError

REPO = Path(__file__).resolve().parents[1]
# The checkout whose service is measured (children of this script import it first); default this one.
CODE = Path(os.environ.get("CHRONOGAN_BENCH_CODE", str(REPO)))
HIDE_DIR = os.environ.get("CHRONOGAN_BENCH_HIDE", "")
if str(CODE) not in sys.path:  # run as a script from a checkout where the package is not installed
    sys.path.insert(0, str(CODE))

# ../shared next to the checkout; a worktree under <repo>/../wt/NAME looks two levels up.
STOCKS = next(
    (
        p
        for p in (
            REPO.parent / "shared" / "data" / "stock_data.csv",
            REPO.parents[1] / "shared" / "data" / "stock_data.csv",
        )
        if p.exists()
    ),
    REPO.parent / "shared" / "data" / "stock_data.csv",
)
RESULTS = REPO / "benchmarks" / "results" / "service.json"
MODEL = "stocks"
TARGETS = {"p50_ms": 5.0, "p99_ms": 25.0, "rps": 300.0, "batch_s": 60.0, "batch_rss_mb": 600.0}


# -- setup ---------------------------------------------------------------------------------------------
def ensure_model(store: Path) -> Path:
    """The active version of `stocks` in `store`, trained now if the store has none."""
    from chronogan.artifacts.store import ModelStore

    models = ModelStore(store)
    try:
        return models.version_dir(MODEL, models.resolve(MODEL))
    except Exception:  # no such model yet: train one (about 15 s)
        pass
    from chronogan.training.api import train_version

    version, _ = train_version(STOCKS, name=MODEL, store=store, options={"max_minutes": 0.2, "evaluate": False})
    return models.version_dir(MODEL, version)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOGAN_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in [HIDE_DIR, str(CODE), env.get("PYTHONPATH", "")] if p)
    env["CHRONOGAN_STORE"] = str(store)
    env["CHRONOGAN_BENCH_CODE"] = str(CODE)
    env["CHRONOGAN_BENCH_HIDE"] = HIDE_DIR
    return env


def hidden_libs_dir(work: Path) -> str:
    """A directory whose httptools/uvloop raise ImportError: uvicorn then falls back to h11 and asyncio."""
    for name in ("httptools", "uvloop"):
        (work / "hide" / name).mkdir(parents=True, exist_ok=True)
        (work / "hide" / name / "__init__.py").write_text("raise ImportError('hidden by service_bench')\n")
    return str(work / "hide")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Server:
    """`chronogan serve --no-worker` on a free loopback port, in its own process group."""

    def __init__(
        self, store: Path, log: Path, workers: int | None = None, extra_env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        cmd = [sys.executable, "-m", "chronogan.cli", "serve", "--no-worker", "--host", "127.0.0.1"]
        if workers is not None:  # the flag did not exist before issue 13
            cmd += ["--workers", str(workers)]
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port)],
            env={**child_env(store), **(extra_env or {})},
            cwd=CODE,  # `-m` puts the working directory first on sys.path: it must be the measured checkout
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"serve not ready within {timeout}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


# -- 1. sequential latency -----------------------------------------------------------------------------
def bench_latency(url: str, n_requests: int, n_sequences: int, warmup: int = 20) -> dict[str, Any]:
    return asyncio.run(_latency(url, n_requests, n_sequences, warmup))


async def _latency(url: str, n_requests: int, n_sequences: int, warmup: int) -> dict[str, Any]:
    path = f"/v1/models/{MODEL}/generate"
    conn = Connection(*host_port(url))
    times: list[float] = []
    sizes: list[int] = []
    errors = 0
    try:
        for i in range(warmup):  # warm-up: connection, first-request paths, allocator
            await conn.request("POST", path, request_body(n_sequences, 10_000 + i))
        for i in range(n_requests):
            body = request_body(n_sequences, i)
            started = time.perf_counter()
            r = await conn.request("POST", path, body)
            times.append(time.perf_counter() - started)
            sizes.append(len(r.body))
            errors += r.status != 200
    finally:
        await conn.close()
    ms = sorted(t * 1000 for t in times)
    return {
        "requests": n_requests,
        "n_sequences": n_sequences,
        "errors": errors,
        "p50_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "mean_ms": statistics.fmean(ms),
        "response_bytes": int(statistics.median(sizes)),
    }


def host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").partition(":")
    return host, int(port)


def request_body(n_sequences: int, seed: int) -> bytes:
    return json.dumps({"n_sequences": n_sequences, "seed": seed}).encode()


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), without importing numpy here."""
    pos = (len(sorted_values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


# -- 2. concurrent throughput --------------------------------------------------------------------------
async def _throughput(url: str, clients: int, duration: float, n_sequences: int) -> dict[str, Any]:
    path = f"/v1/models/{MODEL}/generate"
    ok = 0
    errors: dict[str, int] = {}
    conns = [Connection(*host_port(url)) for _ in range(clients)]

    async def one_client(k: int, deadline: float) -> None:
        nonlocal ok
        i = 0
        while time.perf_counter() < deadline:  # bounded by the deadline, not by a request count
            try:
                r = await conns[k].request("POST", path, request_body(n_sequences, k * 1_000_000 + i))
                if r.status == 200:
                    ok += 1
                else:
                    errors[str(r.status)] = errors.get(str(r.status), 0) + 1
            except HttpError as exc:
                errors[str(exc)] = errors.get(str(exc), 0) + 1
            i += 1

    try:
        # Open every connection first so the measured window is steady state.
        await asyncio.gather(*(c.request("GET", "/healthz") for c in conns))
        started = time.perf_counter()
        cpu_before = cpu_seconds()
        await asyncio.gather(*(one_client(k, started + duration) for k in range(clients)))
        elapsed = time.perf_counter() - started
        client_cpu = cpu_seconds() - cpu_before
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    return {
        "clients": clients,
        "client": "benchmarks/http_client.py (keep-alive, one connection per client)",
        "duration_s": elapsed,
        "load_generator_cpu_s": client_cpu,
        "load_generator_cores": client_cpu / elapsed,
        "ok": ok,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "rps": ok / elapsed,
        "sequences_per_s": ok * n_sequences / elapsed,
    }


def bench_throughput(url: str, clients: int, duration: float, n_sequences: int) -> dict[str, Any]:
    return asyncio.run(_throughput(url, clients, duration, n_sequences))


# -- 3. batch job --------------------------------------------------------------------------------------
def batch_child(version_dir: Path, n: int, out: Path, seed: int) -> None:
    """What `chronogan.service.jobs.batch.run_batch` does, minus the job bookkeeping; prints JSON for the parent."""
    from chronogan.artifacts.runtime import LoadedModel
    from chronogan.artifacts.tables import ChunkedTableWriter

    started = time.perf_counter()
    model = LoadedModel.load(version_dir)
    with ChunkedTableWriter(out, "parquet") as writer:
        for chunk in model.iter_chunks(n, seed=seed):
            writer.write(chunk)
        rows = writer.rows
    elapsed = time.perf_counter() - started
    digest = hashlib.sha256()
    with out.open("rb") as fh:  # after the clock: the hash is for comparing runs (same seed -> same bytes)
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    print(json.dumps({"wall_s": elapsed, "rows": rows, "bytes": out.stat().st_size, "sha256": digest.hexdigest()}))


def bench_batch(version_dir: Path, n: int, work: Path) -> dict[str, Any]:
    out = work / "batch.parquet"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--batch-child", str(version_dir), str(n), str(out)],
        env=child_env(version_dir.parents[1]),
        cwd=CODE,  # `-m` puts the working directory first on sys.path: it must be the measured checkout
        capture_output=True,
        text=True,
        check=True,
    )
    outer = time.perf_counter() - started
    # ru_maxrss of RUSAGE_CHILDREN is the largest of all waited-for children (KiB on Linux); this runs
    # before the server starts, so the batch child is the only large one.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return {
        "n_sequences": n,
        "rows": result["rows"],
        "parquet_bytes": result["bytes"],
        "parquet_sha256": result["sha256"],
        "wall_s": result["wall_s"],
        "wall_with_startup_s": outer,
        "sequences_per_s": n / result["wall_s"],
        "peak_rss_mb": peak_kib / 1024,
        "rss_measured_alone": peak_kib > before,
    }


# -- 4. onnxruntime vs torch ---------------------------------------------------------------------------
def bench_engines(version_dir: Path, batch: int, repeats: int) -> dict[str, Any]:
    import numpy as np
    import torch
    from chronogan.training.estimator import load

    from chronogan.artifacts.runtime import LoadedModel

    onnx_model = LoadedModel.load(version_dir)
    # Same number of threads on both sides, or the ratio measures thread settings (torch's default
    # OpenMP pool of one thread per core collapses when the cores are shared), not the engines.
    threads = int(onnx_model.session.get_session_options().intra_op_num_threads)
    torch.set_num_threads(threads)
    graph = load(version_dir).output_graph()
    noise = np.random.default_rng(0).standard_normal((batch, 24, 6), dtype=np.float32)
    lengths = np.full(batch, 24, dtype=np.int64)
    noise_t = torch.from_numpy(noise)

    def run_onnx() -> None:
        onnx_model.run_graph(onnx_model.graph_feeds(noise, np.zeros((batch, 0), np.float32), lengths))

    def run_torch() -> None:
        with torch.no_grad():
            graph(noise_t)

    best: dict[str, list[float]] = {"onnxruntime": [], "torch": []}
    for fn in (run_onnx, run_torch):  # warm-up
        fn()
    for _ in range(repeats):  # interleaved, so both see the same background load
        for name, fn in (("onnxruntime", run_onnx), ("torch", run_torch)):
            started = time.perf_counter()
            fn()
            best[name].append(time.perf_counter() - started)
    onnx_s = statistics.median(best["onnxruntime"])
    torch_s = statistics.median(best["torch"])
    return {
        "batch": batch,
        "repeats": repeats,
        "threads": threads,
        "onnxruntime_seq_per_s": batch / onnx_s,
        "torch_seq_per_s": batch / torch_s,
        "ratio_onnx_over_torch": torch_s / onnx_s,
    }


# -- 0. where the time goes -----------------------------------------------------------------------------
STAGE_SIZES = (1, 100, 10_000)
STAGE_REPEATS = {1: 100, 100: 40, 10_000: 3}


def stages_child(version_dir: Path) -> None:
    """In-process stage timings of one JSON request per size; prints JSON for the parent."""
    import numpy as np
    from chronogan.service.api import formats
    from chronogan.service.api.main import create_app
    from chronogan.service.api.settings import Settings

    import chronogan.artifacts.runtime as runtime
    from chronogan.artifacts.runtime import LoadedModel

    model = LoadedModel.load(version_dir)
    spent = {"graph_run": 0.0, "decode": 0.0}
    real_run, real_build = model.run_graph, runtime.build_table

    def timed_run(*a: Any) -> Any:
        started = time.perf_counter()
        try:
            return real_run(*a)
        finally:
            spent["graph_run"] += time.perf_counter() - started

    def timed_build(*a: Any, **k: Any) -> Any:
        started = time.perf_counter()
        try:
            return real_build(*a, **k)
        finally:
            spent["decode"] += time.perf_counter() - started

    model.run_graph = timed_run  # type: ignore[method-assign]
    runtime.build_table = timed_build  # type: ignore[assignment]
    app = create_app(Settings(store=version_dir.parents[1], warm_on_start=False))
    results: dict[str, Any] = {}
    for n in STAGE_SIZES:
        reps = STAGE_REPEATS[n]
        rng = np.random.default_rng(0)
        noise = rng.standard_normal((n, 24, model.manifest.graph.noise_dim), dtype=np.float32)
        lengths = np.full(n, 24, dtype=np.int64)
        cond = np.zeros((n, 0), np.float32)
        floor = [_timed(lambda a=(noise, cond, lengths): real_run(*a)) for _ in range(reps)]
        gen, graph, decode, encode = [], [], [], []
        for i in range(reps):
            spent.update(graph_run=0.0, decode=0.0)
            started = time.perf_counter()
            df = model.generate(n, seed=i)
            gen.append(time.perf_counter() - started)
            graph.append(gen[-1] - spent["decode"])  # sampling + session.run (+ the chunk bookkeeping)
            decode.append(spent["decode"])
            encode.append(
                _timed(lambda df=df, i=i: formats.json_body(df, {"model": MODEL, "version": "v1", "seed": i}))
            )
        body = json.dumps({"n_sequences": n, "seed": 3}).encode()
        asgi = asyncio.run(_asgi_times(app, f"/v1/models/{MODEL}/generate", body, reps))
        med = {
            k: statistics.median(v) * 1000
            for k, v in {
                "floor": floor,
                "generate": gen,
                "graph": graph,
                "decode": decode,
                "encode": encode,
                "asgi": asgi,
            }.items()
        }
        med["framework"] = med["asgi"] - med["generate"] - med["encode"]
        results[str(n)] = {f"{k}_ms": v for k, v in med.items()} | {"repeats": reps}
    print(json.dumps(results))


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


async def _asgi_times(app: Any, path: str, body: bytes, reps: int) -> list[float]:
    """The app called as an ASGI callable, no sockets, no HTTP parsing: routing, validation, the
    threadpool hop, middleware, generation and encoding."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def call() -> int:
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app({**scope, "headers": list(scope["headers"])}, receive, send)
        return status

    for _ in range(3):  # warm-up: the session loads on the first request
        assert await call() == 200
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


def bench_stages(version_dir: Path, url: str | None) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--stages-child", str(version_dir)],
        env=child_env(version_dir.parents[1]),
        cwd=CODE,  # `-m` puts the working directory first on sys.path: it must be the measured checkout
        capture_output=True,
        text=True,
        check=True,
    )
    stages = json.loads(proc.stdout.strip().splitlines()[-1])
    if url is not None:  # HTTP = loopback p50 (server process) - in-process ASGI p50
        for n in STAGE_SIZES:
            lat = bench_latency(url, STAGE_REPEATS[n], n, warmup=2)
            stages[str(n)]["http_p50_ms"] = lat["p50_ms"]
            stages[str(n)]["http_ms"] = lat["p50_ms"] - stages[str(n)]["asgi_ms"]
    return stages


# -- 5. overload ---------------------------------------------------------------------------------------
async def _overload(url: str, server_pid: int, clients: int, duration: float, n_sequences: int) -> dict[str, Any]:
    import psutil

    path = f"/v1/models/{MODEL}/generate"
    ok_ms: list[float] = []
    busy_ms: list[float] = []
    errors: dict[str, int] = {}
    rss: list[float] = []
    tree = psutil.Process(server_pid)

    def server_rss_mb() -> float:
        procs = [tree, *tree.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20

    conns = [Connection(*host_port(url)) for _ in range(clients)]
    try:
        await asyncio.gather(*(c.request("GET", "/healthz") for c in conns))
        started = time.perf_counter()
        deadline = started + duration
        cpu_before = cpu_seconds()

        async def one_client(k: int) -> None:
            i = 0
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    r = await conns[k].request("POST", path, request_body(n_sequences, k * 1_000_000 + i))
                    ms = (time.perf_counter() - t0) * 1000
                    if r.status == 200:
                        ok_ms.append(ms)
                    elif r.status == 503 and r.headers.get("retry-after"):
                        busy_ms.append(ms)
                        # A well-behaved client backs off; a short pause stands in for Retry-After here.
                        await asyncio.sleep(0.05)
                    else:
                        errors[str(r.status)] = errors.get(str(r.status), 0) + 1
                except HttpError as exc:
                    errors[str(exc)] = errors.get(str(exc), 0) + 1
                i += 1

        async def sample() -> None:
            while time.perf_counter() < deadline:
                rss.append(server_rss_mb())
                await asyncio.sleep(1.0)

        await asyncio.gather(sample(), *(one_client(k) for k in range(clients)))
        elapsed = time.perf_counter() - started
        client_cpu = cpu_seconds() - cpu_before
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    ok_ms.sort()
    busy_ms.sort()
    third = max(1, len(rss) // 3)
    return {
        "clients": clients,
        "duration_s": elapsed,
        "ok": len(ok_ms),
        "ok_rps": len(ok_ms) / elapsed,
        "ok_p50_ms": percentile(ok_ms, 50) if ok_ms else None,
        "ok_p99_ms": percentile(ok_ms, 99) if ok_ms else None,
        "rejected_503": len(busy_ms),
        "rejected_p50_ms": percentile(busy_ms, 50) if busy_ms else None,
        "rejected_p99_ms": percentile(busy_ms, 99) if busy_ms else None,
        "other_errors": sum(errors.values()),
        "error_kinds": errors,
        "rss_mb_first_third_mean": statistics.fmean(rss[:third]) if rss else None,
        "rss_mb_last_third_mean": statistics.fmean(rss[-third:]) if rss else None,
        "rss_mb_max": max(rss) if rss else None,
        "load_generator_cpu_s": client_cpu,
        "load_generator_cores": client_cpu / elapsed,
    }


# -- 6. onnxruntime session options --------------------------------------------------------------------
def bench_session_options(version_dir: Path, work: Path, repeats: int = 30) -> dict[str, Any]:
    import numpy as np
    import onnxruntime as ort

    graph = str(version_dir / "generator.onnx")
    levels = {
        "disable_all": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }

    def options(level: Any, threads: int, save: Path | None = None) -> Any:
        o = ort.SessionOptions()
        o.graph_optimization_level = level
        o.intra_op_num_threads = threads
        o.inter_op_num_threads = 1
        o.add_session_config_entry("session.intra_op.allow_spinning", "0")
        o.log_severity_level = 3
        if save is not None:
            o.optimized_model_filepath = str(save)
        return o

    saved = work / "optimised.onnx"
    ort.InferenceSession(graph, options(levels["all"], 1, saved), providers=["CPUExecutionProvider"])
    variants: list[tuple[str, str, Any, int]] = [(name, graph, lvl, 1) for name, lvl in levels.items()]
    variants += [("all, 2 threads", graph, levels["all"], 2)]
    variants += [("saved optimised model (level disable_all)", str(saved), levels["disable_all"], 1)]
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {}
    sessions = {}
    for name, path, level, threads in variants:
        started = time.perf_counter()
        sessions[name] = ort.InferenceSession(path, options(level, threads), providers=["CPUExecutionProvider"])
        out[name] = {"load_ms": (time.perf_counter() - started) * 1000, "threads": threads}
    inputs = {i.name for i in sessions["all"].get_inputs()}
    for batch in (100, 1024):
        feeds: dict[str, Any] = {"noise": rng.standard_normal((batch, 24, 6), dtype=np.float32)}
        if "lengths" in inputs:
            feeds["lengths"] = np.full(batch, 24, np.int64)
        if "condition" in inputs:
            feeds["condition"] = np.zeros((batch, 0), np.float32)
        times: dict[str, list[float]] = {name: [] for name in sessions}
        for sess in sessions.values():
            sess.run(None, feeds)
        for _ in range(repeats):  # interleaved: every variant sees the same background load
            for name, sess in sessions.items():
                times[name].append(_timed(lambda sess=sess, feeds=feeds: sess.run(None, feeds)))
        for name in sessions:
            out[name][f"batch_{batch}_ms"] = statistics.median(times[name]) * 1000
    return out


# -- main ----------------------------------------------------------------------------------------------
def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def print_table(results: dict[str, Any]) -> None:
    rows: list[tuple[str, str, str]] = []
    lat = results.get("latency")
    if lat:
        rows += [
            ("generate 100x24 JSON, p50", f"{lat['p50_ms']:.2f} ms", f"<= {TARGETS['p50_ms']} ms"),
            ("generate 100x24 JSON, p99", f"{lat['p99_ms']:.2f} ms", f"<= {TARGETS['p99_ms']} ms"),
        ]
    thr = results.get("throughput")
    if thr:
        rows.append(
            (
                f"{thr['clients']} clients, {thr['duration_s']:.0f} s",
                f"{thr['rps']:.1f} req/s, {thr['errors']} errors",
                f">= {TARGETS['rps']:.0f} req/s, 0 errors",
            )
        )
    batch = results.get("batch")
    if batch:
        rows += [
            (
                f"batch {batch['n_sequences']:,} seq -> Parquet",
                f"{batch['wall_s']:.1f} s",
                f"<= {TARGETS['batch_s']} s",
            ),
            ("batch peak RSS", f"{batch['peak_rss_mb']:.0f} MB", f"<= {TARGETS['batch_rss_mb']:.0f} MB"),
        ]
    eng = results.get("engines")
    if eng:
        rows.append(
            (
                f"generator, batch {eng['batch']}",
                f"ORT {eng['onnxruntime_seq_per_s']:,.0f} seq/s, torch {eng['torch_seq_per_s']:,.0f} seq/s "
                f"(x{eng['ratio_onnx_over_torch']:.2f})",
                "",
            )
        )
    width = max(len(r[0]) for r in rows) if rows else 0
    mid = max(len(r[1]) for r in rows) if rows else 0
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<{mid}}  {target}")


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=None, help="model store to reuse (default: a temp one)")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--sequences", type=int, default=100, help="sequences per HTTP request")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--batch-sequences", type=int, default=1_000_000)
    parser.add_argument("--engine-repeats", type=int, default=10)
    parser.add_argument("--overload-clients", type=int, default=64)
    parser.add_argument("--overload-duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=None, help="serve --workers (default: serve's own)")
    parser.add_argument(
        "--server-env",
        action="append",
        type=key_value,
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the server only (e.g. CHRONOGAN_GENERATE_MAX_WAIT_SECONDS=0.5); repeatable",
    )
    parser.add_argument("--code", type=Path, default=None, help="measure this checkout's service instead")
    parser.add_argument("--hide-fast-libs", action="store_true", help="hide httptools and uvloop from the server")
    parser.add_argument("--label", default="", help="a note stored with the results (e.g. before/after)")
    parts = ["stages", "latency", "throughput", "overload", "batch", "engines", "session_options"]
    parser.add_argument("--skip", nargs="*", default=[], choices=parts)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--batch-child", nargs=3, metavar=("VERSION_DIR", "N", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--stages-child", metavar="VERSION_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_child:
        batch_child(Path(args.batch_child[0]), int(args.batch_child[1]), Path(args.batch_child[2]), seed=1)
        return 0
    if args.stages_child:
        stages_child(Path(args.stages_child))
        return 0
    global CODE, HIDE_DIR
    if args.code is not None:
        CODE = args.code.resolve()

    work = Path(tempfile.mkdtemp(prefix="chronogan-bench-"))
    if args.hide_fast_libs:
        HIDE_DIR = hidden_libs_dir(work)
    store = args.store or work / "models"
    results: dict[str, Any] = {
        "label": args.label,
        "code": str(CODE),
        "fast_libs_hidden": bool(args.hide_fast_libs),
        "serve_workers": args.workers,
        "server_env": dict(args.server_env),
        "machine": {
            "cpu_count": os.cpu_count(),
            "cpu_affinity": sorted(os.sched_getaffinity(0)),
            "load_generator": "this process, on the same cores as the server",
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_start": load_average(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        version_dir = ensure_model(store)
        results["model"] = {"version_dir": version_dir.name, "columns": 6, "seq_len": 24}
        # The batch runs before the server exists so RUSAGE_CHILDREN sees only the batch child.
        if "batch" not in args.skip:
            results["batch"] = bench_batch(version_dir, args.batch_sequences, work)
            print(f"batch: {results['batch']['wall_s']:.1f} s, {results['batch']['peak_rss_mb']:.0f} MB", flush=True)
        if "session_options" not in args.skip:
            results["session_options"] = bench_session_options(version_dir, work)
        if {"stages", "latency", "throughput", "overload"} - set(args.skip):
            server = Server(store, work / "serve.log", args.workers, results["server_env"])
            try:
                server.wait_ready()
                if "stages" not in args.skip:
                    results["stages"] = bench_stages(version_dir, server.url)
                    print("stages:", json.dumps(results["stages"]), flush=True)
                if "latency" not in args.skip:
                    results["latency"] = bench_latency(server.url, args.requests, args.sequences)
                    print(f"latency: p50 {results['latency']['p50_ms']:.2f} ms", flush=True)
                if "throughput" not in args.skip:
                    results["throughput"] = bench_throughput(server.url, args.clients, args.duration, args.sequences)
                    print(f"throughput: {results['throughput']['rps']:.1f} req/s", flush=True)
                if "overload" not in args.skip:
                    results["overload"] = asyncio.run(
                        _overload(
                            server.url, server.proc.pid, args.overload_clients, args.overload_duration, args.sequences
                        )
                    )
                    print("overload:", json.dumps(results["overload"]), flush=True)
            finally:
                server.stop()
        if "engines" not in args.skip:
            results["engines"] = bench_engines(version_dir, 1024, args.engine_repeats)
        results["machine"]["load_average_end"] = load_average()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
