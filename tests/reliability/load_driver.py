"""The load driver shared by the short load test (tests/reliability/test_load.py) and the long benchmark
(benchmarks/reliability/load.py): concurrent clients against a running `chronogan serve` on loopback, the
background jobs they run beside, and the result summary."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import httpx
import psutil

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_REQUESTS = 500_000  # a hard stop whatever the duration: the run stays bounded in count too


@dataclass
class LoadResult:
    clients: int
    duration_s: float
    requests: int = 0
    errors: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    rss_api_mb: list[float] = field(default_factory=list)
    rss_worker_mb: list[float] = field(default_factory=list)
    jobs: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

        def rss(values: list[float]) -> dict[str, float]:
            if not values:
                return {}
            return {"start": round(values[0], 1), "peak": round(max(values), 1), "end": round(values[-1], 1)}

        return {
            "clients": self.clients,
            "duration_s": round(self.duration_s, 1),
            "requests": self.requests,
            "errors": self.errors,
            "requests_per_s": round(self.requests / self.duration_s, 1) if self.duration_s else 0,
            "by_kind": dict(self.by_kind),
            "latency_ms": {
                "p50": pct(0.50),
                "p99": pct(0.99),
                "max": round(lat[-1], 1) if lat else 0,
                "mean": round(statistics.fmean(lat), 1) if lat else 0,
            },
            "rss_api_mb": rss(self.rss_api_mb),
            "rss_worker_mb": rss(self.rss_worker_mb),
            "jobs": self.jobs,
            "error_samples": self.error_samples[:10],
        }


def check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load {host!r}: only loopback addresses (127.0.0.1) are allowed")


async def _client(
    http: httpx.AsyncClient, model: str, job_ids: list[str], deadline: float, result: LoadResult, rng: random.Random
) -> None:
    while time.monotonic() < deadline and result.requests < MAX_REQUESTS:
        roll = rng.random()
        if roll < 0.6:
            kind = "generate"
            call = http.post(f"/v1/models/{model}/generate", json={"n_sequences": rng.randint(1, 5), "seed": 7})
        elif roll < 0.8:
            kind = "list_models"
            call = http.get("/v1/models")
        else:
            kind = "poll_job"
            call = http.get(f"/v1/jobs/{rng.choice(job_ids)}") if job_ids else http.get("/v1/jobs?limit=5")
        started = time.perf_counter()
        try:
            resp = await call
            ok = resp.status_code < 400
            detail = f"{kind} {resp.status_code} {resp.text[:120]}"
        except httpx.HTTPError as exc:
            ok, detail = False, f"{kind} {type(exc).__name__}: {exc}"
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        result.requests += 1
        result.by_kind[kind] += 1
        if not ok:
            result.errors += 1
            if len(result.error_samples) < 50:
                result.error_samples.append(detail)


async def _sample_rss(api_pid: int, deadline: float, result: LoadResult) -> None:
    api = psutil.Process(api_pid)
    while time.monotonic() < deadline:
        try:
            result.rss_api_mb.append(api.memory_info().rss / 2**20)
            workers = api.children()
            result.rss_worker_mb.append(sum(w.memory_info().rss for w in workers) / 2**20)
        except psutil.Error:
            pass
        await asyncio.sleep(0.5)


async def drive(
    url: str,
    *,
    clients: int,
    duration: float,
    model: str,
    job_ids: list[str],
    api_pid: int | None = None,
    seed: int = 0,
) -> LoadResult:
    check_loopback(url)
    result = LoadResult(clients=clients, duration_s=duration)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        started = time.monotonic()
        deadline = started + duration
        tasks = [_client(http, model, job_ids, deadline, result, random.Random(seed + i)) for i in range(clients)]
        if api_pid is not None:
            tasks.append(_sample_rss(api_pid, deadline, result))
        await asyncio.gather(*tasks)
        result.duration_s = time.monotonic() - started
        for job_id in job_ids:
            result.jobs[job_id] = (await http.get(f"/v1/jobs/{job_id}")).json()["state"]
    return result


def start_background_jobs(url: str, model: str, api_key: str, csv: bytes | None, n_batch: int) -> list[str]:
    """The batch job and (when `csv` is given) the retrain that run while the clients hammer the API."""
    headers = {"X-API-Key": api_key}
    ids = []
    batch = httpx.post(f"{url}/v1/models/{model}/batches", json={"n_sequences": n_batch, "seed": 1}, headers=headers)
    batch.raise_for_status()
    ids.append(batch.json()["id"])
    if csv is not None:
        options = {"sequence_key": "meter_id", "max_minutes": 0.5, "hidden_dim": 8, "num_layers": 1, "evaluate": False}
        retrain = httpx.post(
            f"{url}/v1/models/{model}/retrain",
            files={"file": ("energy.csv", csv, "text/csv")},
            data={"options": json.dumps(options)},
            headers=headers,
            timeout=60,
        )
        retrain.raise_for_status()
        ids.append(retrain.json()["id"])
    return ids
