"""C-RNN-GAN networks (Mogren 2016, "C-RNN-GAN: continuous recurrent neural networks with adversarial
training").

Generator: a recurrent stack fed, at every step, the noise z_t, its own previous output and the side
inputs (condition, normalised length); the loop lives in TorchScript (see `feedback_loop`) so it
exports as an ONNX `Loop`. Discriminator: bidirectional recurrent stack with one logit per step; its
last layer's outputs are the features used for feature matching. With loss="began" the discriminator
is a sequence autoencoder instead; with loss="infogan" the generator also takes the latent codes (with
the side inputs) and a Q head on the discriminator's features predicts them.
"""

from __future__ import annotations

import torch
from chronogan.training.config import CRNNGANConfig
from chronogan.training.models.codes import CodeLayout
from chronogan.training.models.conditioning import ConditionInputs, step_mask
from chronogan.training.models.discriminators import Judgement, discriminator_body, feature_dim, judge
from chronogan.training.models.feedback_loop import gru_feedback_loop, lstm_feedback_loop
from chronogan.training.models.graph import GeneratorGraph
from chronogan.training.models.heads import BlockHead
from chronogan.training.models.noise import normal_to_uniform
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
        self.codes = CodeLayout(config)
        self.side = ConditionInputs(spec, self.conditioning, self.codes.dim)
        f, h = spec.n_features, config.hidden_dim
        cell_class = nn.LSTMCell if config.cell == "lstm" else nn.GRUCell
        # Layer-0 input columns: [noise | previous output | side inputs] (sliced apart in `generate`).
        sizes = [self.noise_dim + f + self.side.g_dim] + [h] * (config.num_layers - 1)
        self.generator_cells = nn.ModuleList([cell_class(size, h) for size in sizes])
        self.generator_out = nn.Linear(h, f)
        # Step 0's noise projected into layer 0's gates at every step (see GANConfig.static_noise).
        gate_size = self.generator_cells[0].weight_ih.size(0)
        self.static_noise = nn.Linear(self.noise_dim, gate_size, bias=False) if config.static_noise else None
        began = config.loss == "began"
        self.discriminator = discriminator_body(
            began, config.cell, f, self.side.d_dim, h, config.num_layers, bidirectional=True
        )
        width = feature_dim(self.discriminator)
        self.aux_classifier = nn.Linear(width, self.side.aux_dim) if self.side.aux_dim else None
        self.info_head = nn.Linear(width, self.codes.dim) if self.codes.dim else None
        self.head = BlockHead(spec.layout)

    @property
    def cond_dim(self) -> int:
        return self.spec.cond_dim

    def generate(
        self, noise: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor, codes: torch.Tensor | None = None
    ) -> torch.Tensor:
        """`noise [B, T, noise_dim]`, `cond [B, C]`, `lengths [B]` (, `codes [B, K]`) -> encoded `[B, T, F]`."""
        first = self.generator_cells[0]
        z, f = self.noise_dim, self.spec.n_features
        w = first.weight_ih
        u = normal_to_uniform(noise)
        x_proj = torch.matmul(u, w[:, :z].t()) + first.bias_ih
        if self.static_noise is not None:
            x_proj = x_proj + self.static_noise(u[:, 0]).unsqueeze(1)
        side = self.side.generator_inputs(cond, lengths, codes)
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

    def discriminate(self, x: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor) -> Judgement:
        """Per-step logits `[B, T]` (BEGAN: reconstruction errors), features `[B, T, 2H]` (BEGAN: `[B, T, H]`),
        and the ACGAN / InfoGAN heads."""
        side = self.side.discriminator_inputs(cond, lengths)
        return judge(self.discriminator, x, side, lengths, self.aux_classifier, self.info_head)

    def generator_parameters(self) -> list[nn.Parameter]:
        params = [*self.generator_cells.parameters(), *self.generator_out.parameters()]
        return params + ([] if self.static_noise is None else list(self.static_noise.parameters()))

    def discriminator_parameters(self) -> list[nn.Parameter]:
        params = list(self.discriminator.parameters())
        for head in (self.aux_classifier, self.info_head):
            if head is not None:
                params += list(head.parameters())
        return params

    def generator_graph(self) -> nn.Module:
        """The whole generator (scripted loop inside) as one exportable module."""
        return GeneratorGraph(self)
