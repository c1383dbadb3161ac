"""Estimator-shaped API: `TimeGAN(config).fit(df) -> self`, `.sample(n, seed=...)`, `.save(dir)`, `load(dir)`.

Nothing happens in `__init__`: it only stores the config. `fit` infers the schema, encodes, trains;
`save` writes the complete artifact folder the service reads (ONNX + manifest + config + history +
checkpoint for warm starts); `load` rebuilds the torch networks from that folder's checkpoint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import platform
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from chronogan.training.config import CRNNGANConfig, GANConfig, TimeGANConfig, config_from_saved
from chronogan.training.data.encode import encode_prepared
from chronogan.training.data.infer import prepare_table
from chronogan.training.data.io import read_table
from chronogan.training.data.options import SchemaOptions
from chronogan.training.export import OutputGraph, export_onnx, verify_onnx
from chronogan.training.models import build_networks
from chronogan.training.models.codes import code_layout
from chronogan.training.models.spec import DataSpec
from chronogan.training.quality import snapshot_scorer
from chronogan.training.registry import model_type_entry
from chronogan.training.state_files import load_tree, save_tree
from chronogan.training.trainer import train_networks
from chronogan.training.trainer.calibration import calibrate_missing_thresholds
from torch import nn

from chronogan.artifacts.conditions import cond_dim as schema_cond_dim
from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.manifest import GRAPH_FILE, MANIFEST_FILE, GraphSpec, Manifest, checksum_folder
from chronogan.artifacts.runtime import SequenceGenerator
from chronogan.artifacts.schema import TableSchema

CHECKPOINT_DIR = "checkpoint"


class _TorchGenerator(SequenceGenerator):
    """The same sampling and decoding as the service, with the torch graph instead of onnxruntime."""

    def __init__(self, manifest: Manifest, graph: OutputGraph) -> None:
        super().__init__(manifest)
        self.graph = graph

    def run_graph(self, feeds: Mapping[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray | None]:
        args = [torch.from_numpy(feeds[name]) for name in self.graph.input_names()]
        with torch.no_grad():
            out = [t.numpy() for t in self.graph(*args)]
        results = dict(zip(self.graph.output_names(), out, strict=True))
        return results.get("numeric"), results.get("categorical")


class SyntheticSeriesModel:
    config_class: ClassVar[type[GANConfig]] = GANConfig

    def __init__(self, config: GANConfig | None = None) -> None:
        self.config = config if config is not None else self.config_class()
        self.schema: TableSchema | None = None
        self.spec: DataSpec | None = None
        self.networks: nn.Module | None = None
        self.history: list[dict[str, Any]] = []
        self.summary: dict[str, Any] = {}
        self.data_fingerprint: dict[str, Any] = {}
        self.metrics: dict[str, Any] = {}
        self.warnings: list[str] = []
        # Wall-clock seconds of the work around training (prepare, export, ...), for the budget log.
        self.seconds: dict[str, float] = {}

    # -- fitting -----------------------------------------------------------------------------------
    def fit(
        self,
        data: pd.DataFrame | str | Path,
        options: SchemaOptions | None = None,
        *,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        warm_start: SyntheticSeriesModel | None = None,
        log: Callable[[str], None] | None = None,
        on_progress: Callable[[float], None] | None = None,
        training_seconds: Callable[[], float] | None = None,
    ) -> SyntheticSeriesModel:
        """Infer the schema, encode and train. `warm_start` starts from another model's weights (same schema).
        `training_seconds()`, asked when training starts, caps its seconds below `max_minutes`: a command's
        budget also pays for reading, inference, export and scoring (0: the budget is spent, an error)."""
        started = time.monotonic()
        if isinstance(data, str | Path):
            from chronogan.training.data.io import file_fingerprint

            self.data_fingerprint = file_fingerprint(Path(data))
            data = read_table(data)
        prepared = prepare_table(data, options or SchemaOptions(), self.config.sequence_shape())
        self.warnings = list(prepared.warnings)
        for w in prepared.warnings:
            (log or (lambda _m: None))(f"note: {w}")
        encoded = encode_prepared(prepared)
        self.seconds["prepare"] = time.monotonic() - started
        spec = DataSpec.from_data(encoded)
        start_networks = None
        if warm_start is not None:
            # The sequence length may change (it only scales the length input), the channels may not.
            same = {k: v for k, v in spec.to_json().items() if k != "max_len"}
            if (
                warm_start.spec is None
                or {k: v for k, v in warm_start.spec.to_json().items() if k != "max_len"} != same
            ):
                raise UserInputError(
                    "warm start needs data with the same columns, categories and sequence shape "
                    "as the model it starts from; use a fresh retrain instead"
                )
            start_networks = warm_start.networks
        train_config = self.config
        if training_seconds is not None:
            left = training_seconds()
            if left <= 0:
                raise UserInputError(
                    f"the time budget was used up before training could start (reading and preparing the data "
                    f"took {self.seconds.get('prepare', 0.0):.1f}s); raise --max-minutes or pass fewer columns/rows"
                )
            if train_config.max_minutes is None or train_config.max_minutes * 60 > left:
                train_config = dataclasses.replace(train_config, max_minutes=left / 60)
        scorer = None
        if self.config.select_snapshots:
            scorer = snapshot_scorer(encoded, prepared.schema, self._sampler(spec), seed=self.config.seed)
        try:
            outcome = train_networks(
                train_config,
                encoded,
                networks=start_networks,
                progress=progress,
                checkpoint_dir=checkpoint_dir,
                resume=resume,
                log=log,
                on_progress=on_progress,
                scorer=scorer,
            )
        except ValueError as exc:  # config/data mismatches found by the trainer are the user's to fix
            raise UserInputError(str(exc)) from exc
        calibrate_missing_thresholds(outcome.networks, encoded, prepared.schema, seed=self.config.seed)
        self.schema, self.spec, self.networks = prepared.schema, spec, outcome.networks
        self.history, self.summary = list(outcome.history), dict(outcome.summary)
        self.data_fingerprint = {
            **self.data_fingerprint,
            "rows": prepared.schema.n_rows,
            "sequences": prepared.schema.n_sequences,
            "columns": list(prepared.schema.column_order),
        }
        return self

    def _sampler(self, spec: DataSpec) -> Callable[[nn.Module, TableSchema, int], pd.DataFrame]:
        """`sample(networks, schema, n)` for snapshot scoring: this model's sampling with other weights."""

        def sample(networks: nn.Module, schema: TableSchema, n: int) -> pd.DataFrame:
            candidate = type(self)(self.config)
            candidate.schema, candidate.spec, candidate.networks = schema, spec, networks
            return candidate.sample(n, seed=self.config.seed + 1)

        return sample

    # -- generating --------------------------------------------------------------------------------
    def _require_fitted(self) -> tuple[TableSchema, DataSpec, nn.Module]:
        if self.schema is None or self.spec is None or self.networks is None:
            raise RuntimeError("the model is not fitted: call fit() or load() first")
        return self.schema, self.spec, self.networks

    def output_graph(self) -> OutputGraph:
        schema, spec, networks = self._require_fitted()
        networks.eval()
        code_dim = code_layout(networks).dim
        return OutputGraph(
            networks.generator_graph(),
            schema,
            spec.cond_dim,
            spec.variable_length,
            code_dim,
            sample_categories=self.config.sample_categories,
        ).eval()

    def sample(
        self,
        n: int,
        seed: int | None = None,
        *,
        seq_len: int | None = None,
        context: Mapping[str, Any] | None = None,
        start: str | None = None,
        codes: Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """n synthetic sequences in the long layout, in the user's units. Same seed -> same table.
        `codes` fixes InfoGAN latent codes (models trained with loss="infogan")."""
        generator = _TorchGenerator(self.manifest(name="in-memory", version="v0"), self.output_graph())
        plan = generator.plan(n, seed=seed, seq_len=seq_len, context=context, start=start, codes=codes)
        return generator.table(plan)

    # -- persistence -------------------------------------------------------------------------------
    def graph_spec(self) -> GraphSpec:
        schema, spec, networks = self._require_fitted()
        graph = self.output_graph()
        return GraphSpec(
            inputs=graph.input_names(),
            outputs=graph.output_names(),
            noise_dim=int(networks.noise_dim),
            cond_dim=spec.cond_dim,
            numeric_columns=[c.name for c in schema.numeric_columns],
            categorical_columns=[c.name for c in schema.categorical_columns],
            export_seq_len=spec.max_len,
            codes=list(code_layout(networks).specs),
        )

    def manifest(self, *, name: str, version: str, files: dict[str, str] | None = None) -> Manifest:
        schema, spec, _ = self._require_fitted()
        assert schema_cond_dim(schema) == spec.cond_dim, "schema and networks disagree on the condition size"
        return Manifest(
            name=name,
            version=version,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            model_type=self.config.model_type,
            schema=schema,
            graph=self.graph_spec(),
            config=self.config.to_dict(),
            data_fingerprint=self.data_fingerprint,
            history_summary=self.summary,
            metrics=self.metrics,
            libraries=_library_versions(),
            files=files or {},
        )

    def save(self, path: Path | str, *, name: str | None = None, version: str = "v1") -> Path:
        """Write the artifact folder: generator.onnx (verified against torch), checkpoint/, config.json,
        history.json and manifest.json (with the sha256 of every other file), in that order. (Versions saved
        before also have a schema.json, a copy of `manifest.schema`: it is listed and verified like any file,
        and never read.)"""
        schema, spec, networks = self._require_fitted()
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        graph = self.output_graph()
        noise_dim = int(networks.noise_dim)
        export_onnx(graph, folder / GRAPH_FILE, seq_len=spec.max_len, noise_dim=noise_dim)
        self.summary["onnx_check"] = verify_onnx(graph, folder / GRAPH_FILE, seq_len=spec.max_len, noise_dim=noise_dim)
        save_tree(folder / CHECKPOINT_DIR, "networks", networks.state_dict())
        (folder / CHECKPOINT_DIR / "spec.json").write_text(json.dumps(spec.to_json(), indent=2) + "\n")
        (folder / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2) + "\n")
        (folder / "history.json").write_text(json.dumps(self.history) + "\n")
        manifest = self.manifest(name=name or folder.name, version=version, files=checksum_folder(folder))
        (folder / MANIFEST_FILE).write_text(manifest.dump_json())
        return folder

    @classmethod
    def load(cls, path: Path | str) -> SyntheticSeriesModel:
        folder = Path(path)
        config = config_from_saved(json.loads((folder / "config.json").read_text()))
        model = model_type_entry(config.model_type).estimator_class()(config)
        manifest = Manifest.model_validate_json((folder / MANIFEST_FILE).read_text())
        model.schema = manifest.table_schema
        model.spec = DataSpec.from_json(json.loads((folder / CHECKPOINT_DIR / "spec.json").read_text()))
        model.networks = build_networks(config, model.spec)
        model.networks.load_state_dict(load_tree(folder / CHECKPOINT_DIR, "networks"))
        model.networks.eval()
        model.history = json.loads((folder / "history.json").read_text())
        model.summary = dict(manifest.history_summary)
        model.metrics = dict(manifest.metrics)
        model.data_fingerprint = dict(manifest.data_fingerprint)
        return model


class TimeGAN(SyntheticSeriesModel):
    config_class = TimeGANConfig


class CRNNGAN(SyntheticSeriesModel):
    config_class = CRNNGANConfig


def load(path: Path | str) -> SyntheticSeriesModel:
    return SyntheticSeriesModel.load(path)


def _library_versions() -> dict[str, str]:
    import onnx
    import onnxruntime

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
