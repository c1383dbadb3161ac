"""C-RNN-GAN networks (Mogren 2016, "C-RNN-GAN: continuous recurrent neural networks with adversarial
training").

Generator: a recurrent stack fed, at every step, the noise z_t, its own previous output and the side
inputs (condition, normalised length); the loop lives in TorchScript (see `feedback_loop`) so it
exports as an ONNX `Loop`. Discriminator: bidirectional recurrent stack with one logit per step; its
last layer's outputs are the features used for feature matching.
"""

from __future__ import annotations

import torch
from chronogan.training.config import CRNNGANConfig
from chronogan.training.models.conditioning import ConditionInputs, step_mask, with_side_input
from chronogan.training.models.feedback_loop import gru_feedback_loop, lstm_feedback_loop
from chronogan.training.models.graph import GeneratorGraph
from chronogan.training.models.heads import BlockHead
from chronogan.training.models.noise import normal_to_uniform
from chronogan.training.models.rnn import RNNStack
from chronogan.training.models.spec import DataSpec, resolve_conditioning
from torch import nn


class CRNNGANNetworks(nn.Module):
    model_type = "crnngan"

    def __init__(self, config: CRNNGANConfig, spec: DataSpec) -> None:
        super().__init__()
        self.spec = spec
        self.cell = config.cell
        self.conditioning = resolve_conditioning(config.conditioning, spec)
        self.noise_dim = config.noise_dim or spec.n_features
        self.side = ConditionInputs(spec, self.conditioning)
        f, h = spec.n_features, config.hidden_dim
        cell_class = nn.LSTMCell if config.cell == "lstm" else nn.GRUCell
        # Layer-0 input columns: [noise | previous output | side inputs] (sliced apart in `generate`).
        sizes = [self.noise_dim + f + self.side.g_dim] + [h] * (config.num_layers - 1)
        self.generator_cells = nn.ModuleList([cell_class(size, h) for size in sizes])
        self.generator_out = nn.Linear(h, f)
        # Step 0's noise projected into layer 0's gates at every step (see GANConfig.static_noise).
        gate_size = self.generator_cells[0].weight_ih.size(0)
        self.static_noise = nn.Linear(self.noise_dim, gate_size, bias=False) if config.static_noise else None
        self.discriminator = RNNStack(config.cell, f + self.side.d_dim, h, 1, config.num_layers, bidirectional=True)
        self.aux_classifier = nn.Linear(2 * h, self.side.aux_dim) if self.side.aux_dim else None
        self.head = BlockHead(spec.layout)

    @property
    def cond_dim(self) -> int:
        return self.spec.cond_dim

    def generate(self, noise: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """`noise [B, T, noise_dim]`, `cond [B, C]`, `lengths [B]` -> encoded features `[B, T, F]`."""
        first = self.generator_cells[0]
        z, f = self.noise_dim, self.spec.n_features
        w = first.weight_ih
        u = normal_to_uniform(noise)
        x_proj = torch.matmul(u, w[:, :z].t()) + first.bias_ih
        if self.static_noise is not None:
            x_proj = x_proj + self.static_noise(u[:, 0]).unsqueeze(1)
        side = self.side.generator_inputs(cond, lengths)
        if side is not None:
            x_proj = x_proj + torch.matmul(side, w[:, z + f :].t()).unsqueeze(1)
        deeper = list(self.generator_cells)[1:]
        gates, hidden = first.weight_hh.shape
        if deeper:
            w_ih = torch.stack([c.weight_ih for c in deeper])
            w_hh = torch.stack([c.weight_hh for c in deeper])
            b_ih = torch.stack([c.bias_ih for c in deeper])
            b_hh = torch.stack([c.bias_hh for c in deeper])
        else:
            w_ih = w_hh = w.new_zeros(0, gates, hidden)
            b_ih = b_hh = w.new_zeros(0, gates)
        loop = lstm_feedback_loop if self.cell == "lstm" else gru_feedback_loop
        head = self.head
        x = loop(
            x_proj,
            w[:, z : z + f],
            first.weight_hh,
            first.bias_hh,
            w_ih,
            w_hh,
            b_ih,
            b_hh,
            self.generator_out.weight,
            self.generator_out.bias,
            head.is_cat,
            head.cat_index,
            head.flat_index,
            head.has_cat,
        )
        if self.spec.variable_length:  # zero padding like EncodedData; fixed-length graphs skip `lengths`
            x = x * step_mask(lengths, x.size(1)).unsqueeze(-1)
        return x

    def discriminate(
        self, x: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Per-step logits `[B, T]`, features `[B, T, 2H]` and, for ACGAN, class logits `[B, aux_dim]`."""
        side = self.side.discriminator_inputs(cond, lengths)
        features = self.discriminator.features(with_side_input(x, side))
        logits = self.discriminator.linear(features).squeeze(-1)
        aux = None
        if self.aux_classifier is not None:
            mask = step_mask(lengths, x.size(1)).unsqueeze(-1)
            aux = self.aux_classifier((features * mask).sum(1) / mask.sum(1).clamp_min(1.0))
        return logits, features, aux

    def generator_parameters(self) -> list[nn.Parameter]:
        params = [*self.generator_cells.parameters(), *self.generator_out.parameters()]
        return params + ([] if self.static_noise is None else list(self.static_noise.parameters()))

    def discriminator_parameters(self) -> list[nn.Parameter]:
        params = list(self.discriminator.parameters())
        if self.aux_classifier is not None:
            params += list(self.aux_classifier.parameters())
        return params

    def generator_graph(self) -> nn.Module:
        """The whole generator (scripted loop inside) as one exportable module."""
        return GeneratorGraph(self)
