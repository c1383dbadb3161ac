"""Batch generation with the local executor and with the Ray executor, in one run, on the same cores.

    taskset -c 0,1 .venv/bin/python benchmarks/ray_batch.py --n 10000000 --repeats 1

Trains a small stocks model (6 features, 24 steps; quality irrelevant, the graph is the default size)
into a scratch store unless --store has one, then writes N sequences to Parquet with each executor and
prints wall times, the Ray/local ratio and the peak memory of the Ray workers that ran shards. The local
executor is what `chronogan serve` runs by default (one worker process, graph on helper threads); Ray is
`ray.init(num_cpus=C)` on this machine (C = the cores this process may use), its start-up not counted
(a cluster is up before jobs arrive). Each job's wall time is from claim to outcome, as the job store
records it. Needs the `ray` and `train` extras; trains on ../shared/data/stock_data.csv when it is there
(--data), else on a synthetic table of the same shape (six random-walk price and volume columns), so a
fresh clone runs it as is.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STOCKS = ROOT.parent / "shared" / "data" / "stock_data.csv"


# Ray rewrites 127.0.0.1 to the machine's outward address; any other loopback address it keeps.
LOOPBACK = "127.0.0.2"


def ensure_model(store: Path, data: Path, scratch: Path) -> None:
    if (store / "stocks" / "v1").is_dir():
        return
    from chronogan.training.api import train_version

    if not data.is_file():
        print(f"{data} not found: training on a synthetic 6-column table of the same length instead")
        data = synthetic_stocks(scratch / "stocks.csv")
    train_version(data, name="stocks", store=store, options={"max_minutes": 0.3, "evaluate": False})


def synthetic_stocks(path: Path, rows: int = 3685, seed: int = 0) -> Path:
    """Open/High/Low/Close/Adj_Close/Volume as a geometric random walk: the shape of the stocks file
    (what the benchmark times is the graph's size, set by the feature count, not the data's realism)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, rows)))
    spread = np.abs(rng.normal(0, 0.01, rows)) * close
    table = pd.DataFrame(
        {
            "Open": close * (1 + rng.normal(0, 0.005, rows)),
            "High": close + spread,
            "Low": close - spread,
            "Close": close,
            "Adj_Close": close,
            "Volume": rng.lognormal(17, 0.5, rows).round(),
        }
    )
    table.to_csv(path, index=False)
    return path


def job_seconds(store, job_id: str) -> float:  # type: ignore[no-untyped-def]
    job = store.get(job_id)
    assert job.state == "succeeded", (job.state, job.error)
    return job.finished_at - job.started_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="sequences per job")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--store", type=Path, default=None, help="model store with stocks/v1 (default: scratch)")
    parser.add_argument("--shard", type=int, default=65_536, help="sequences per Ray task")
    parser.add_argument("--data", type=Path, default=STOCKS, help="training data for the scratch model")
    args = parser.parse_args()

    import ray
    from chronogan.service.api.settings import Settings
    from chronogan.service.jobs.cluster.driver import RayDriver
    from chronogan.service.jobs.store import JobStore
    from chronogan.service.jobs.worker import Worker

    scratch = Path(tempfile.mkdtemp(prefix="chronogan-raybench-"))
    store = args.store or scratch / "models"
    ensure_model(store, args.data, scratch)
    cores = len(os.sched_getaffinity(0))
    params = {"model": "stocks", "version": "v1", "format": "parquet", "n_sequences": args.n}
    local_s, ray_s, peaks, sizes = [], [], [], []
    base = {"store": store, "jobs_db": scratch / "jobs.sqlite3", "jobs_dir": scratch / "files", "poll_seconds": 0.2}
    settings = Settings(**base, ray_shard_sequences=args.shard)
    jobs = JobStore(settings.jobs_db_path)
    started = time.monotonic()
    for attempt in range(3):  # a loaded machine can miss Ray's fixed 30 s raylet start-up window
        try:
            ray.init(
                address="local",
                num_cpus=cores,
                include_dashboard=False,
                log_to_driver=False,
                _node_ip_address=LOOPBACK,
            )
            break
        except Exception:
            ray.shutdown()
            if attempt == 2:
                raise
    print(f"ray.init: {time.monotonic() - started:.1f}s on {cores} core(s)")
    try:  # a failed run must not leave gigabytes of Parquet in /tmp
        for rep in range(args.repeats):
            job = jobs.enqueue("batch", {**params, "seed": rep}, model="stocks")
            Worker(settings, store=jobs).run(until_empty=True)
            local_s.append(job_seconds(jobs, job.id))
            sizes.append((settings.jobs_dir_path / job.id / "result.parquet").stat().st_size)
            shutil.rmtree(settings.jobs_dir_path / job.id)

            driver = RayDriver(settings, store=jobs)
            job = jobs.enqueue("batch", {**params, "seed": rep}, model="stocks")
            thread = threading.Thread(target=driver.run, daemon=True)
            thread.start()
            while not jobs.get(job.id).finished:
                time.sleep(0.2)
            driver.stop()
            ray_s.append(job_seconds(jobs, job.id))
            result = jobs.get(job.id).result or {}
            peaks.append(result["peak_task_rss_mb"])
            shutil.rmtree(result["dataset"])
            print(
                f"repeat {rep}: local {local_s[-1]:.1f}s, ray {ray_s[-1]:.1f}s ({result['parts']} shards)", flush=True
            )
    finally:
        ray.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)

    def fmt(values: list[float]) -> str:
        mean = statistics.fmean(values)
        se = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0
        return f"{mean:.1f} ± {se:.1f}"

    ratios = [r / loc for r, loc in zip(ray_s, local_s, strict=True)]
    print(
        f"N={args.n} sequences x 24 steps x 6 features to Parquet "
        f"({statistics.fmean(sizes) / 1e6:.0f} MB), {cores} core(s)"
    )
    print(f"local executor wall s: {fmt(local_s)}  ({args.n / statistics.fmean(local_s):,.0f} sequences/s)")
    print(f"ray executor wall s:   {fmt(ray_s)}  ({args.n / statistics.fmean(ray_s):,.0f} sequences/s)")
    print(f"ray / local: {fmt(ratios)}x; peak RSS of a shard's worker: {max(peaks):.0f} MB")
    print(f"driver peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
