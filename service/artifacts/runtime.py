"""Run a model version with onnxruntime: noise in, the user's long table out. Never imports torch."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd

from service.artifacts.conditions import (
    encode_context_columns,
    sample_contexts,
    sample_lengths,
    validate_context,
    validate_seq_len,
)
from service.artifacts.decode import build_table
from service.artifacts.errors import ArtifactIntegrityError, UserInputError
from service.artifacts.manifest import GRAPH_FILE, Manifest, read_manifest, verify_files
from service.artifacts.time_axis import TimeAxis

# Sequences are generated in chunks of this many, each with its own RNG stream derived from (seed, chunk):
# memory stays bounded and the output for a seed does not depend on how the caller consumes it.
CHUNK_SEQUENCES = 1024
MAX_SEED = 2**63 - 1


def validate_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) <= MAX_SEED:
        raise UserInputError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}", field="seed")
    return int(seed)


def draw_seed() -> int:
    return int.from_bytes(os.urandom(4), "little")


class SequenceGenerator:
    """Noise, contexts, lengths and start times drawn with numpy, pushed through a generator graph, decoded.

    Subclasses provide `run_graph`: onnxruntime here (`LoadedModel`), torch in the training package, so
    both produce the same table for the same seed.
    """

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.schema = manifest.table_schema
        self.time_axis = TimeAxis(self.schema.time) if self.schema.time else None

    def run_graph(
        self, noise: np.ndarray, condition: np.ndarray, lengths: np.ndarray
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        raise NotImplementedError

    # -- generation --------------------------------------------------------------------------------
    def iter_chunks(
        self,
        n: int,
        *,
        seed: int,
        seq_len: int | None = None,
        context: Mapping[str, Any] | None = None,
        start: str | None = None,
        chunk_size: int = CHUNK_SEQUENCES,
    ) -> Iterator[pd.DataFrame]:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise UserInputError(f"n_sequences must be a positive integer, got {n!r}", field="n_sequences")
        seed = validate_seed(seed)
        seq_len = validate_seq_len(seq_len)
        fixed = validate_context(self.schema, context)
        start_ns = self.time_axis.parse_start(start) if self.time_axis else None
        if start is not None and self.time_axis is None:
            raise UserInputError("start is only allowed for models trained with a time column", field="start")
        noise_dim = self.manifest.graph.noise_dim
        for chunk, first in enumerate(range(0, n, chunk_size)):
            b = min(chunk_size, n - first)
            rng = np.random.default_rng(np.random.SeedSequence([seed, chunk]))
            lengths = sample_lengths(self.schema, b, rng, seq_len)
            contexts = sample_contexts(self.schema, b, rng, fixed)
            starts = self.time_axis.sample_starts(b, rng, start_ns) if self.time_axis else None
            noise = rng.standard_normal((b, int(lengths.max()), noise_dim), dtype=np.float32)
            condition = encode_context_columns(self.schema, contexts)
            numeric, categorical = self.run_graph(noise, condition, lengths)
            yield build_table(
                self.schema,
                numeric=numeric,
                categorical=categorical,
                lengths=lengths,
                contexts=contexts,
                starts=starts,
                time_axis=self.time_axis,
                first_id=first,
            )

    def generate(
        self,
        n: int,
        *,
        seed: int,
        seq_len: int | None = None,
        context: Mapping[str, Any] | None = None,
        start: str | None = None,
    ) -> pd.DataFrame:
        chunks = list(self.iter_chunks(n, seed=seed, seq_len=seq_len, context=context, start=start))
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)


class LoadedModel(SequenceGenerator):
    """One model version: its manifest and an onnxruntime session. Safe to share between threads."""

    def __init__(self, folder: Path, manifest: Manifest, session: ort.InferenceSession) -> None:
        super().__init__(manifest)
        self.folder = folder
        self.session = session
        self._inputs = set(manifest.graph.inputs)
        self._outputs = list(manifest.graph.outputs)

    @classmethod
    def load(cls, folder: Path, *, threads: int | None = None, verify: bool = True) -> LoadedModel:
        folder = Path(folder)
        manifest = read_manifest(folder)
        if verify:
            if GRAPH_FILE not in manifest.files:
                raise ArtifactIntegrityError(f"{folder}: the manifest lists no {GRAPH_FILE}")
            verify_files(folder, manifest, only=[GRAPH_FILE])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(folder / GRAPH_FILE), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for unreadable graphs
            raise ArtifactIntegrityError(f"{folder}: {GRAPH_FILE} cannot be loaded ({exc})") from exc
        return cls(folder, manifest, session)

    def run_graph(
        self, noise: np.ndarray, condition: np.ndarray, lengths: np.ndarray
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        feeds: dict[str, np.ndarray] = {"noise": noise.astype(np.float32, copy=False)}
        if "condition" in self._inputs:
            feeds["condition"] = np.ascontiguousarray(condition, dtype=np.float32)
        if "lengths" in self._inputs:
            feeds["lengths"] = lengths.astype(np.int64)
        results = dict(zip(self._outputs, self.session.run(self._outputs, feeds), strict=True))
        return results.get("numeric"), results.get("categorical")
