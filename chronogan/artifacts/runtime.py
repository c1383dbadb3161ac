"""Run a model version with onnxruntime: noise in, the user's long table out. Never imports torch."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd

from chronogan.artifacts.codes import sample_codes, validate_codes
from chronogan.artifacts.conditions import (
    encode_context_columns,
    sample_contexts,
    sample_lengths,
    validate_context,
    validate_seq_len,
)
from chronogan.artifacts.decode import build_table
from chronogan.artifacts.errors import ArtifactIntegrityError, UserInputError
from chronogan.artifacts.manifest import GRAPH_FILE, Manifest, read_manifest, verify_files, version_label
from chronogan.artifacts.time_axis import TimeAxis

# Sequences are generated in chunks of this many, each with its own RNG stream derived from (seed, chunk):
# memory stays bounded and the output for a seed does not depend on how the caller consumes it.
CHUNK_SEQUENCES = 1024
# Seeds are unsigned 63-bit integers: 0 <= seed < SEED_BOUND. The API publishes the bound as an exclusive
# maximum because 2**63 is exact in a double and 2**63 - 1 is not (OpenAPI tools read bounds as doubles).
SEED_BOUND = 2**63
MAX_SEED = SEED_BOUND - 1


def validate_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) <= MAX_SEED:
        raise UserInputError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}", field="seed")
    return int(seed)


def default_threads() -> int:
    """onnxruntime intra-op threads per session when not configured: half the cores, at most 4.

    The generator's LSTMs are small (hidden 24 by default), so one request gains little from splitting its
    GEMMs across threads, while the service already runs concurrent requests (and the batch worker its
    decode/write) on the other cores. On 2 cores this is 1 thread: batch 1024 took 74 ms with 1 thread vs
    100-136 ms with 2 (machine shared with other processes).
    """
    return max(1, min(4, (os.cpu_count() or 1) // 2))


def draw_seed() -> int:
    return int.from_bytes(os.urandom(4), "little")


@dataclass(frozen=True)
class GenerationPlan:
    """A request validated against one model's manifest, with its seed settled: running it cannot fail on
    the request's content, and the same plan on the same version always gives the same table."""

    n: int
    seed: int
    seq_len: int | None
    context: Mapping[str, Any]  # the fixed context values, validated and converted to the columns' types
    start_ns: int | None
    codes: Mapping[str, int | float]  # the fixed InfoGAN codes, validated (empty for other models)
    chunk_size: int = CHUNK_SEQUENCES
    # Only sequences first..stop-1 of the whole output (a batch shard run elsewhere, e.g. a Ray task), with
    # exactly the rows, ids and bytes they have in the whole table; None = all n sequences.
    shard: tuple[int, int] | None = None

    def for_shard(self, first: int, stop: int) -> GenerationPlan:
        """This plan restricted to sequences first..stop-1; both ends on chunk boundaries (or stop = n)."""
        size = self.chunk_size
        if first % size or (stop % size and stop != self.n) or not 0 <= first < stop <= self.n:
            raise ValueError(f"shard {(first, stop)} is not a chunk-aligned range of {self.n} sequences")
        return replace(self, shard=(first, stop))


@dataclass(frozen=True)
class _Chunk:
    """One chunk's sampled inputs and graph outputs, before decoding."""

    first: int
    lengths: np.ndarray
    contexts: Mapping[str, np.ndarray]
    starts: np.ndarray | None
    numeric: np.ndarray | None
    categorical: np.ndarray | None


class SequenceGenerator:
    """Noise, contexts, lengths and start times drawn with numpy, pushed through a generator graph, decoded.

    Subclasses provide `run_graph`: onnxruntime here (`LoadedModel`), torch in the training package, so
    both produce the same table for the same seed.
    """

    # Threads that run the graph for the next chunks while the current one is decoded (see iter_chunks);
    # 0 = everything on the caller's thread. The torch subclass keeps 0: torch has its own thread pool.
    prefetch_workers = 0

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.schema = manifest.table_schema
        self.time_axis = TimeAxis(self.schema.time) if self.schema.time else None

    def graph_feeds(
        self,
        noise: np.ndarray,
        condition: np.ndarray,
        lengths: np.ndarray,
        codes: np.ndarray | None = None,
        category_noise: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """The graph's inputs by name, in their dtypes: only those the manifest lists (see docs/ARCHITECTURE.md)."""
        values = {
            "noise": (noise, np.float32),
            "condition": (condition, np.float32),
            "lengths": (lengths, np.int64),
            "codes": (codes, np.float32),
            "category_noise": (category_noise, np.float32),
        }
        feeds = {}
        for name in self.manifest.graph.inputs:
            array, dtype = values[name]
            if array is None:
                raise ValueError(f"this graph needs its {name!r} input")
            feeds[name] = np.ascontiguousarray(array, dtype=dtype)
        return feeds

    def run_graph(self, feeds: Mapping[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(numeric, categorical) for `graph_feeds(...)`; None for an output the graph does not have."""
        raise NotImplementedError

    # -- generation: `plan` validates and settles the seed, `chunks`/`table` only run the plan ------------
    def plan(
        self,
        n: int,
        *,
        seed: int | None = None,
        seq_len: int | None = None,
        context: Mapping[str, Any] | None = None,
        start: str | None = None,
        codes: Mapping[str, Any] | None = None,
        chunk_size: int = CHUNK_SEQUENCES,
    ) -> GenerationPlan:
        """Check a request against the manifest (UserInputError naming the field otherwise) and fix its seed:
        the one given, else a fresh random one (the only place a seed is drawn)."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise UserInputError(f"n_sequences must be a positive integer, got {n!r}", field="n_sequences")
        seed = draw_seed() if seed is None else validate_seed(seed)
        seq_len = validate_seq_len(seq_len)
        fixed = validate_context(self.schema, context)
        fixed_codes = validate_codes(self.manifest.graph.codes, codes)
        start_ns = self.time_axis.parse_start(start) if self.time_axis else None
        if start is not None and self.time_axis is None:
            raise UserInputError("start is only allowed for models trained with a time column", field="start")
        return GenerationPlan(int(n), seed, seq_len, fixed, start_ns, fixed_codes, chunk_size)

    def chunks(self, plan: GenerationPlan) -> Iterator[pd.DataFrame]:
        """The plan's table (or its shard's part of it) in chunks of `plan.chunk_size` sequences, in order."""
        seed, chunk_size = plan.seed, plan.chunk_size
        first_seq, stop_seq = plan.shard if plan.shard is not None else (0, plan.n)
        noise_dim = self.manifest.graph.noise_dim
        code_specs = self.manifest.graph.codes
        time_axis = self.time_axis
        samples_categories = "category_noise" in self.manifest.graph.inputs
        n_categorical = len(self.manifest.graph.categorical_columns)

        def run_chunk(chunk: int, first: int) -> _Chunk:
            # Everything for one chunk comes from its own RNG stream, so chunks can be computed in any
            # order (or on another thread) and still give the same table for the same seed.
            b = min(chunk_size, stop_seq - first)
            rng = np.random.default_rng(np.random.SeedSequence([seed, chunk]))
            lengths = sample_lengths(self.schema, b, rng, plan.seq_len)
            contexts = sample_contexts(self.schema, b, rng, plan.context)
            starts = time_axis.sample_starts(b, rng, plan.start_ns) if time_axis else None
            noise = rng.standard_normal((b, int(lengths.max()), noise_dim), dtype=np.float32)
            condition = encode_context_columns(self.schema, contexts)
            # Drawn last, and only for InfoGAN models, so every other model's output for a seed is unchanged.
            code_values = sample_codes(code_specs, b, rng, plan.codes)
            # After the codes, and only for graphs that sample their categories: other models keep their bytes.
            category_noise = (
                rng.random((b, noise.shape[1], n_categorical), dtype=np.float32) if samples_categories else None
            )
            feeds = self.graph_feeds(noise, condition, lengths, code_values, category_noise)
            numeric, categorical = self.run_graph(feeds)
            return _Chunk(first, lengths, contexts, starts, numeric, categorical)

        def decode(c: _Chunk) -> pd.DataFrame:
            return build_table(
                self.schema,
                numeric=c.numeric,
                categorical=c.categorical,
                lengths=c.lengths,
                contexts=c.contexts,
                starts=c.starts,
                time_axis=time_axis,
                first_id=c.first,
            )

        firsts = range(first_seq, stop_seq, chunk_size)
        workers = self.prefetch_workers
        if len(firsts) == 1 or workers < 1:  # one chunk (synchronous requests): no thread hand-off
            for first in firsts:
                yield decode(run_chunk(first // chunk_size, first))
            return
        # Several chunks (batch jobs, large requests): helper threads run the graph for the next chunks while
        # the caller decodes and writes this one. onnxruntime and numpy's RNG release the GIL, so the graph
        # (most of the cost) overlaps pandas/Arrow work and uses the other cores; chunks are still yielded
        # in order, and at most `workers + 2` of them are in memory at once.
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chronogan-chunks")
        pending: deque[Future[_Chunk]] = deque()
        submitted = 0
        try:
            for _ in firsts:
                while submitted < len(firsts) and len(pending) < workers + 1:
                    pending.append(pool.submit(run_chunk, firsts[submitted] // chunk_size, firsts[submitted]))
                    submitted += 1
                yield decode(pending.popleft().result())
        finally:  # also when the caller stops early (a cancelled job): drop what has not started
            pool.shutdown(wait=True, cancel_futures=True)

    def table(self, plan: GenerationPlan) -> pd.DataFrame:
        """The plan's whole table as one DataFrame."""
        chunks = list(self.chunks(plan))
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)

    def iter_chunks(
        self,
        n: int,
        *,
        seed: int,
        seq_len: int | None = None,
        context: Mapping[str, Any] | None = None,
        start: str | None = None,
        codes: Mapping[str, Any] | None = None,
        chunk_size: int = CHUNK_SEQUENCES,
        shard: tuple[int, int] | None = None,
    ) -> Iterator[pd.DataFrame]:
        """`chunks(plan(...))`: the request is validated now, before the first chunk is asked for.
        `shard=(first, stop)`: only those sequences (see GenerationPlan.for_shard)."""
        plan = self.plan(
            n,
            seed=validate_seed(seed),
            seq_len=seq_len,
            context=context,
            start=start,
            codes=codes,
            chunk_size=chunk_size,
        )
        return self.chunks(plan if shard is None else plan.for_shard(*shard))

    def generate(
        self,
        n: int,
        *,
        seed: int,
        seq_len: int | None = None,
        context: Mapping[str, Any] | None = None,
        start: str | None = None,
        codes: Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """`table(plan(...))` with an explicit seed."""
        plan = self.plan(n, seed=validate_seed(seed), seq_len=seq_len, context=context, start=start, codes=codes)
        return self.table(plan)


class LoadedModel(SequenceGenerator):
    """One model version: its manifest and an onnxruntime session. Safe to share between threads."""

    def __init__(self, folder: Path, manifest: Manifest, session: ort.InferenceSession) -> None:
        super().__init__(manifest)
        self.folder = folder
        self.session = session
        # One graph run per core's worth of intra-op threads: on 2 cores with 1 thread each, two chunks run
        # at once; more would only queue behind each other.
        threads = int(session.get_session_options().intra_op_num_threads) or 1
        self.prefetch_workers = max(1, min(4, (os.cpu_count() or 1) // threads))
        self._outputs = list(manifest.graph.outputs)

    @classmethod
    def load(cls, folder: Path, *, threads: int | None = None, verify: bool = True) -> LoadedModel:
        folder = Path(folder)
        manifest = read_manifest(folder)
        if verify:
            if GRAPH_FILE not in manifest.files:
                raise ArtifactIntegrityError(f"{version_label(folder)}: the manifest lists no {GRAPH_FILE}")
            verify_files(folder, manifest, only=[GRAPH_FILE])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        # Idle pool threads would otherwise spin for a while after each op, burning cores that concurrent
        # requests (and, on shared machines, other processes) need; measured on 2 shared cores, batch 1024:
        # 2 threads 136 ms spinning vs 100 ms not.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(folder / GRAPH_FILE), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for unreadable graphs
            # onnxruntime's message names the file's absolute path; clients get the version label instead.
            reason = str(exc).replace(str(folder / GRAPH_FILE), GRAPH_FILE).replace(str(folder), "")
            raise ArtifactIntegrityError(f"{version_label(folder)}: {GRAPH_FILE} cannot be loaded ({reason})") from exc
        return cls(folder, manifest, session)

    def run_graph(self, feeds: Mapping[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray | None]:
        results = dict(zip(self._outputs, self.session.run(self._outputs, dict(feeds)), strict=True))
        return results.get("numeric"), results.get("categorical")
