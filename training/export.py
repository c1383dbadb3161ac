"""The generator as an ONNX graph that speaks the user's units, and its verification against torch.

`OutputGraph` wraps a network's `generator_graph()` (noise, condition, lengths -> encoded features) and
adds, inside the graph: inverse min-max scaling (in float64, so large values such as share volumes keep
their precision), NaN where a missing-indicator fires, and an index per categorical column: drawn from the
generator's softmax with a `category_noise` input (`sample_categories`), or its argmax.
We use the TorchScript exporter (`dynamo=False`): it keeps the RNN time axis dynamic, exports in well
under a second, and turns a scripted autoregressive loop into an ONNX `Loop`.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from chronogan.training.data.encode import feature_layout
from torch import nn

from chronogan.artifacts.schema import TableSchema

OPSET = 17


class OutputGraph(nn.Module):
    def __init__(
        self,
        core: nn.Module,
        schema: TableSchema,
        cond_dim: int,
        variable_length: bool,
        code_dim: int = 0,
        sample_categories: bool = False,
    ) -> None:
        super().__init__()
        self.core = core
        self.cond_dim = cond_dim
        self.code_dim = code_dim  # InfoGAN latent codes: a "codes" input [batch, code_dim]
        self.variable_length = variable_length
        layout = feature_layout(schema)
        blocks = {(b.column, b.kind): b for b in layout.blocks}
        numeric = schema.numeric_columns
        self.n_numeric = len(numeric)
        lo = np.array([c.minimum or 0.0 for c in numeric], dtype=np.float64)
        hi = np.array([c.maximum or 0.0 for c in numeric], dtype=np.float64)
        self.register_buffer(
            "num_index", torch.tensor([blocks[(c.name, "numeric")].start for c in numeric], dtype=torch.long)
        )
        self.register_buffer("num_scale", torch.tensor(hi - lo, dtype=torch.float64))
        self.register_buffer("num_offset", torch.tensor(lo, dtype=torch.float64))
        with_missing = [i for i, c in enumerate(numeric) if (c.name, "missing") in blocks]
        self.has_missing = bool(with_missing)
        self.register_buffer("miss_cols", torch.tensor(with_missing, dtype=torch.long))
        self.register_buffer(
            "miss_index",
            torch.tensor([blocks[(numeric[i].name, "missing")].start for i in with_missing], dtype=torch.long),
        )
        self.register_buffer(
            "miss_threshold", torch.tensor([numeric[i].missing_threshold for i in with_missing], dtype=torch.float32)
        )
        self.cat_slices = [
            (blocks[(c.name, "categorical")].start, blocks[(c.name, "categorical")].end)
            for c in schema.categorical_columns
        ]
        # A "category_noise" input [batch, time, n_categorical] of U[0, 1) draws (see `categorical`).
        self.sample_categories = sample_categories and bool(self.cat_slices)

    def input_names(self) -> list[str]:
        return (
            ["noise"]
            + (["condition"] if self.cond_dim else [])
            + (["lengths"] if self.variable_length else [])
            + (["codes"] if self.code_dim else [])
            + (["category_noise"] if self.sample_categories else [])
        )

    def output_names(self) -> list[str]:
        return (["numeric"] if self.n_numeric else []) + (["categorical"] if self.cat_slices else [])

    def forward(self, noise: torch.Tensor, *extra: torch.Tensor) -> tuple[torch.Tensor, ...]:
        rest = list(extra)
        batch = noise[:, 0, 0]
        condition = rest.pop(0) if self.cond_dim else batch.new_zeros((noise.shape[0], 0))
        if self.variable_length:
            lengths = rest.pop(0)
        else:  # written with tensor ops so the traced graph keeps the time axis dynamic
            lengths = torch.ones_like(noise[:, :, 0]).sum(dim=1).to(torch.long)
        codes = rest.pop(0) if self.code_dim else None
        category_noise = rest.pop(0) if self.sample_categories else None
        encoded = self.core(noise, condition, lengths, codes)
        outputs: list[torch.Tensor] = []
        if self.n_numeric:
            values = encoded.index_select(2, self.num_index).to(torch.float64) * self.num_scale + self.num_offset
            if self.has_missing:
                missing = encoded.index_select(2, self.miss_index) > self.miss_threshold
                picked = values.index_select(2, self.miss_cols)
                nan = torch.full_like(picked, float("nan"))
                values = values.index_copy(2, self.miss_cols, torch.where(missing, nan, picked))
            outputs.append(values)
        if self.cat_slices:
            outputs.append(self.categorical(encoded, category_noise))
        return tuple(outputs)

    def categorical(self, encoded: torch.Tensor, category_noise: torch.Tensor | None) -> torch.Tensor:
        """[B, T, n_categorical] indices. With noise u: the first category whose cumulative probability
        exceeds u (inverse CDF), so each step's value follows the softmax the generator gave it; an argmax
        would give the mode every time and rare categories would come out rarer than in the data."""
        if category_noise is None:
            return torch.stack([encoded[:, :, a:b].argmax(dim=2) for a, b in self.cat_slices], dim=2)
        picks = []
        for i, (a, b) in enumerate(self.cat_slices):
            cumulative = torch.cumsum(encoded[:, :, a:b], dim=2)
            # Scaled by the total, so float rounding of the softmax sum never leaves u above the last bin.
            threshold = category_noise[:, :, i : i + 1] * cumulative[:, :, -1:]
            below = (cumulative <= threshold).to(torch.long).sum(dim=2)
            picks.append(torch.clamp(below, max=b - a - 1))
        return torch.stack(picks, dim=2)

    def example_inputs(self, batch: int, seq_len: int, noise_dim: int) -> tuple[torch.Tensor, ...]:
        gen = torch.Generator().manual_seed(0)
        args: list[torch.Tensor] = [torch.randn(batch, seq_len, noise_dim, generator=gen)]
        if self.cond_dim:
            args.append(torch.rand(batch, self.cond_dim, generator=gen))
        if self.variable_length:
            args.append(torch.randint(1, seq_len + 1, (batch,), generator=gen).to(torch.long))
        if self.code_dim:  # any values: the check compares onnxruntime with torch, not with the priors
            args.append(torch.rand(batch, self.code_dim, generator=gen) * 2.0 - 1.0)
        if self.sample_categories:
            args.append(torch.rand(batch, seq_len, len(self.cat_slices), generator=gen))
        return tuple(args)


def export_onnx(graph: OutputGraph, path: Path, *, seq_len: int, noise_dim: int) -> None:
    graph.eval()
    args = graph.example_inputs(2, seq_len, noise_dim)
    dynamic = {
        "noise": {0: "batch", 1: "time"},
        "condition": {0: "batch"},
        "lengths": {0: "batch"},
        "codes": {0: "batch"},
        "category_noise": {0: "batch", 1: "time"},
        "numeric": {0: "batch", 1: "time"},
        "categorical": {0: "batch", 1: "time"},
    }
    names_in, names_out = graph.input_names(), graph.output_names()
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TorchScript exporter deprecation + RNN batch-size tracer warnings
        torch.onnx.export(
            graph,
            args,
            buffer,
            input_names=names_in,
            output_names=names_out,
            dynamic_axes={k: v for k, v in dynamic.items() if k in names_in + names_out},
            opset_version=OPSET,
            dynamo=False,
        )
    model = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(model, full_check=True)
    Path(path).write_bytes(buffer.getvalue())


def verify_onnx(graph: OutputGraph, path: Path, *, seq_len: int, noise_dim: int, tol: float = 1e-4) -> dict[str, float]:
    """Compare onnxruntime with torch at several batch sizes and at lengths shorter and longer than the
    export example. Raises RuntimeError on any mismatch; returns the largest differences seen."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    scale = graph.num_scale.abs().clamp(min=1.0).numpy() if graph.n_numeric else None
    worst = 0.0
    for batch, length in [(1, max(1, seq_len // 2)), (3, seq_len), (5, seq_len * 2 + 1)]:
        args = graph.example_inputs(batch, length, noise_dim)
        with torch.no_grad():
            expected = [t.numpy() for t in graph(*args)]
        got = session.run(graph.output_names(), {n: a.numpy() for n, a in zip(graph.input_names(), args, strict=True)})
        for name, want, have in zip(graph.output_names(), expected, got, strict=True):
            if want.shape != have.shape:
                raise RuntimeError(f"ONNX export: output {name} has shape {have.shape}, torch gives {want.shape}")
            if name == "numeric":
                nan_w, nan_h = np.isnan(want), np.isnan(have)
                both = ~(nan_w | nan_h)
                diff = float(np.max(np.abs(want - have)[both] / np.broadcast_to(scale, want.shape)[both], initial=0.0))
                worst = max(worst, diff)
                # A missing indicator within float noise of 0.5 may flip; anything else is a real mismatch.
                if diff > tol or np.mean(nan_w != nan_h) > 1e-3:
                    raise RuntimeError(
                        f"ONNX export: numeric output differs from torch by {diff:.2e} (batch {batch}, length {length})"
                    )
            elif np.mean(want != have) > 1e-3:
                raise RuntimeError(
                    f"ONNX export: categorical output differs from torch (batch {batch}, length {length})"
                )
    return {"max_relative_numeric_diff": worst}
