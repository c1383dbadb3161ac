"""Batch generation jobs: millions of sequences written chunk by chunk to a CSV or Parquet file.

The file is written as `<jobs_dir>/<id>/result.<fmt>.part` and renamed only when complete, so a download
never sees a half-written file; memory stays bounded by one chunk (`LoadedModel.iter_chunks`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chronogan.service.jobs.context import JobContext

from chronogan.artifacts.manifest import sha256_file
from chronogan.artifacts.runtime import CHUNK_SEQUENCES, LoadedModel
from chronogan.artifacts.store import ModelStore
from chronogan.artifacts.tables import ChunkedTableWriter

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


def result_path(ctx: JobContext, fmt: str) -> Path:
    return ctx.work_dir / f"result.{fmt}"


def run_batch(ctx: JobContext) -> dict[str, Any]:
    p = ctx.job.params
    name, version, fmt, n, seed = p["model"], p["version"], p["format"], int(p["n_sequences"]), int(p["seed"])
    store = ModelStore(ctx.settings.store)
    model = LoadedModel.load(store.version_dir(name, version), threads=ctx.settings.ort_threads)

    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    final = result_path(ctx, fmt)
    partial = final.with_name(final.name + ".part")
    done = 0
    try:
        with ChunkedTableWriter(partial, fmt) as writer:
            chunks = model.iter_chunks(
                n,
                seed=seed,
                seq_len=p.get("seq_len"),
                context=p.get("context"),
                start=p.get("start"),
                codes=p.get("codes"),
            )
            for chunk in chunks:
                writer.write(chunk)
                done = min(n, done + CHUNK_SEQUENCES)
                ctx.progress(done / n)  # also the cancellation point between chunks
            rows = writer.rows
        partial.replace(final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return {
        "model": name,
        "version": version,
        "seed": seed,
        "format": fmt,
        "n_sequences": n,
        "rows": rows,
        "bytes": final.stat().st_size,
        "sha256": sha256_file(final),
        "file": final.name,
        "media_type": MEDIA_TYPES[fmt],
    }
