"""The code that runs on Ray workers: one batch shard, one retrain.

Workers import this module by name, so every node needs chronogan installed (`chronogan[ray]`, plus
`[train]` on nodes that retrain). A shard gets the model's manifest and graph through Ray's object store,
so batch nodes need no access to the model store; retrains train into the model store itself (a path
every node shares) through the same atomic publish as a local retrain.
"""

from __future__ import annotations

import queue
import resource
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import ray
from chronogan.service.jobs.dataset import write_part

from chronogan.artifacts.manifest import GRAPH_FILE, MANIFEST_FILE
from chronogan.artifacts.runtime import LoadedModel


def read_artifact(folder: Path) -> dict[str, bytes]:
    """What a shard needs to load a version: its manifest and graph (checked against the manifest on load)."""
    return {name: (folder / name).read_bytes() for name in (MANIFEST_FILE, GRAPH_FILE)}


def load_shipped(artifact: dict[str, bytes], threads: int | None) -> LoadedModel:
    with tempfile.TemporaryDirectory(prefix="chronogan-shard-") as tmp:
        for name, data in artifact.items():
            (Path(tmp) / name).write_bytes(data)
        # The session holds the graph in memory once created, so the folder can go right after.
        return LoadedModel.load(Path(tmp), threads=threads)


@ray.remote(num_cpus=1)
def batch_shard(
    artifact: dict[str, bytes], request: dict[str, Any], index: int, first: int, stop: int, uri: str
) -> dict[str, Any]:
    """Generate sequences first..stop-1 of a batch job and write them as part `index` of the dataset."""
    model = load_shipped(artifact, request.get("threads"))
    # One graph thread overlapping this task's decode and write: the task asked Ray for one CPU, and
    # parallelism comes from running several shards at once.
    model.prefetch_workers = 1
    chunks = model.iter_chunks(
        int(request["n_sequences"]),
        seed=int(request["seed"]),
        seq_len=request.get("seq_len"),
        context=request.get("context"),
        start=request.get("start"),
        shard=(first, stop),
    )
    part = write_part(chunks, uri, index=index, first_sequence=first, sequences=stop - first, fmt=request["format"])
    # The worker process's peak resident memory so far (Linux: KiB): what a shard costs a node, at most.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"part": asdict(part), "node": ray.get_runtime_context().get_node_id(), "peak_rss_mb": peak_mb}


@ray.remote(num_cpus=1)
def retrain(
    upload: str, name: str, store: str, options: dict[str, Any], gate: dict[str, Any], promote: bool
) -> Iterator[tuple[str, Any]]:
    """Train, gate and publish a version exactly as a local retrain does (`train_gated`: validation data
    held out, both versions scored on it); streams ("progress", job fraction) items, then
    ("result", (version, metrics, gate decision)). Activating is the driver's.

    Training runs on a thread so that progress can be yielded while it runs; a canceled job's task is
    killed (`ray.cancel(force=True)`), which leaves nothing published: publishing is one rename."""
    from chronogan.service.jobs.retrain import GateSettings, train_gated  # torch: only on the node that trains

    from chronogan.artifacts.store import ModelStore

    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def report(fraction: float) -> None:
        events.put(("progress", fraction))

    def train() -> None:
        try:
            result = train_gated(
                Path(upload),
                name=name,
                store=ModelStore(Path(store)),
                options=options,
                gate=GateSettings(**gate),
                promote=promote,
                progress=report,
                checkpoint=report,  # the driver cancels by killing this task
            )
            events.put(("result", result))
        except BaseException as exc:  # handed to the generator, which raises it in the task
            events.put(("error", exc))

    threading.Thread(target=train, name="retrain", daemon=True).start()
    while True:
        kind, value = events.get()
        if kind == "error":
            raise value
        yield kind, value
        if kind == "result":
            return
