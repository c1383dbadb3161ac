"""Service benchmark (issue 4): HTTP latency and throughput, a 1M-sequence batch job, onnxruntime vs torch.

Against a TimeGAN model on the Stocks data (6 numeric columns, seq_len 24), trained for a few seconds into
a temp store (the ONNX graph's cost does not depend on how long it trained). Prints a table and writes
`benchmarks/results/service.json`.

    .venv/bin/python benchmarks/service_bench.py                       # everything, about 5 minutes
    .venv/bin/python benchmarks/service_bench.py --store /tmp/s        # reuse (or create) a store there
    .venv/bin/python benchmarks/service_bench.py --batch-sequences 100000 --duration 10

Measured parts:
1. `POST /v1/models/stocks/generate` (100 sequences x 24 steps, JSON): p50/p99 over sequential requests
   against `chronogan serve --no-worker` on 127.0.0.1 (a subprocess of this script).
2. Throughput at 32 concurrent clients (httpx.AsyncClient) for a fixed duration: requests/s and errors.
   The clients run on the same 2 cores as the server, so they take CPU from it: this is a lower bound.
3. A batch job of N sequences to Parquet, run the way the worker runs it (`iter_chunks` +
   `ChunkedTableWriter`), in a child process: wall time and peak RSS (`RUSAGE_CHILDREN`).
4. Generator throughput, onnxruntime vs torch eager, same graph, batch 1024, same run.
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

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout where the package is not installed
    sys.path.insert(0, str(REPO))

STOCKS = REPO.parent / "shared" / "data" / "stock_data.csv"
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
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO), env.get("PYTHONPATH", "")] if p)
    env["CHRONOGAN_STORE"] = str(store)
    return env


class Server:
    """`chronogan serve --no-worker` on a free loopback port, in its own process group."""

    def __init__(self, store: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        cmd = [sys.executable, "-m", "chronogan.cli", "serve", "--no-worker", "--host", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port)],
            env=child_env(store),
            cwd=REPO,
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
def bench_latency(url: str, n_requests: int, n_sequences: int) -> dict[str, Any]:
    import httpx

    path = f"{url}/v1/models/{MODEL}/generate"
    times: list[float] = []
    sizes: list[int] = []
    errors = 0
    with httpx.Client(timeout=30) as client:
        for i in range(20):  # warm-up: connection, first-request paths, allocator
            client.post(path, json={"n_sequences": n_sequences, "seed": 10_000 + i})
        for i in range(n_requests):
            started = time.perf_counter()
            r = client.post(path, json={"n_sequences": n_sequences, "seed": i})
            times.append(time.perf_counter() - started)
            sizes.append(len(r.content))
            errors += r.status_code != 200
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


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), without importing numpy here."""
    pos = (len(sorted_values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


# -- 2. concurrent throughput --------------------------------------------------------------------------
async def _throughput(url: str, clients: int, duration: float, n_sequences: int) -> dict[str, Any]:
    import httpx

    path = f"{url}/v1/models/{MODEL}/generate"
    ok = 0
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one_client(k: int, deadline: float) -> None:
            nonlocal ok
            i = 0
            while time.perf_counter() < deadline:  # bounded by the deadline, not by a request count
                try:
                    r = await client.post(path, json={"n_sequences": n_sequences, "seed": k * 1_000_000 + i})
                    if r.status_code == 200:
                        ok += 1
                    else:
                        errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                i += 1

        # Open every connection first so the measured window is steady state.
        await asyncio.gather(*(client.get(f"{url}/healthz") for _ in range(clients)))
        started = time.perf_counter()
        await asyncio.gather(*(one_client(k, started + duration) for k in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "duration_s": elapsed,
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
        cwd=REPO,
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
        onnx_model.run_graph(noise, np.zeros((batch, 0), np.float32), lengths)

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=None, help="model store to reuse (default: a temp one)")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--sequences", type=int, default=100, help="sequences per HTTP request")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--batch-sequences", type=int, default=1_000_000)
    parser.add_argument("--engine-repeats", type=int, default=10)
    parser.add_argument("--skip", nargs="*", default=[], choices=["latency", "throughput", "batch", "engines"])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--batch-child", nargs=3, metavar=("VERSION_DIR", "N", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_child:
        batch_child(Path(args.batch_child[0]), int(args.batch_child[1]), Path(args.batch_child[2]), seed=1)
        return 0

    work = Path(tempfile.mkdtemp(prefix="chronogan-bench-"))
    store = args.store or work / "models"
    results: dict[str, Any] = {
        "machine": {
            "cpu_count": os.cpu_count(),
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
        if {"latency", "throughput"} - set(args.skip):
            server = Server(store, work / "serve.log")
            try:
                server.wait_ready()
                if "latency" not in args.skip:
                    results["latency"] = bench_latency(server.url, args.requests, args.sequences)
                    print(f"latency: p50 {results['latency']['p50_ms']:.2f} ms", flush=True)
                if "throughput" not in args.skip:
                    results["throughput"] = bench_throughput(server.url, args.clients, args.duration, args.sequences)
                    print(f"throughput: {results['throughput']['rps']:.1f} req/s", flush=True)
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
