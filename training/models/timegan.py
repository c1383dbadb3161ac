"""TimeGAN networks (Yoon, Jarrett & van der Schaar 2019; reference code jsyoon0823/TimeGAN).

Five recurrent stacks around a latent space of size `hidden_dim`:
embedder x -> h, recovery h -> x, generator noise -> e, supervisor e -> h (next step, one layer
fewer), discriminator h -> one logit per step. Latents are sigmoids as in the reference; the
recovery ends in the block-wise head so categorical blocks come out as softmaxes.
Two additions, both on by default and both switchable in `TimeGANConfig`: linear skip paths in the
stacks (`skip_connections`) and a per-sequence noise vector next to the per-step noise (`static_noise`).
With loss="began" the discriminator is a sequence autoencoder over latents; with loss="infogan" the
generator also takes the latent codes and a Q head on the discriminator's features predicts them.
With `sample_len` k > 1 the five stacks run over groups of k steps (`step_groups`): the embedder reads
k steps per recurrent step, the recovery writes k, the generator reads k steps' noise; the latents, the
supervisor's next-step target and the discriminator's logits are per group (`latent_mask`), while the
decoded output and every statistic of it stay per step.
"""

from __future__ import annotations

import torch
from chronogan.training.config import TimeGANConfig, resolve_sample_len
from chronogan.training.models.codes import CodeLayout
from chronogan.training.models.conditioning import ConditionInputs, step_mask, with_side_input
from chronogan.training.models.discriminators import Judgement, discriminator_body, feature_dim, judge
from chronogan.training.models.graph import GeneratorGraph
from chronogan.training.models.heads import BlockHead
from chronogan.training.models.noise import normal_to_uniform
from chronogan.training.models.rnn import RNNStack
from chronogan.training.models.spec import DataSpec, resolve_conditioning
from chronogan.training.models.step_groups import group_lengths, group_mask, group_steps, ungroup_steps
from torch import nn

OUTPUT_NOISE_GAIN = 10.0


class TimeGANNetworks(nn.Module):
    model_type = "timegan"

    def __init__(self, config: TimeGANConfig, spec: DataSpec) -> None:
        super().__init__()
        self.spec = spec
        self.conditioning = resolve_conditioning(config.conditioning, spec)
        self.noise_dim = config.noise_dim or spec.n_features
        self.codes = CodeLayout(config)
        self.side = ConditionInputs(spec, self.conditioning, self.codes.dim)
        f, h, layers, cell = spec.n_features, config.hidden_dim, config.num_layers, config.cell
        skip = config.skip_connections
        self.static_noise = config.static_noise
        self.sample_len = k = resolve_sample_len(config.sample_len, spec.max_len)
        noise_inputs = k * self.noise_dim * (2 if self.static_noise else 1)
        self.embedder = RNNStack(cell, k * f, h, h, layers, skip=skip)
        self.recovery = RNNStack(cell, h, h, k * f, layers, skip=skip)
        self.generator = RNNStack(cell, noise_inputs + self.side.g_dim, h, h, layers, skip=skip)
        self.supervisor = RNNStack(cell, h, h, h, max(1, layers - 1), skip=skip)
        began = config.loss == "began"
        self.discriminator = discriminator_body(began, cell, h, self.side.d_dim, h, layers, bidirectional=False)
        width = feature_dim(self.discriminator)
        self.aux_classifier = nn.Linear(width, self.side.aux_dim) if self.side.aux_dim else None
        self.info_head = nn.Linear(width, self.codes.dim) if self.codes.dim else None
        self.head = BlockHead(spec.layout)
        # The decoded-space critic (`output_critic_weight`): bidirectional, so every step's logit reads the
        # whole sequence; it takes the same side inputs (context, length) as the latent discriminator.
        self.output_critic = (
            RNNStack(cell, f + self.side.d_dim, config.output_critic_dim, 1, 1, bidirectional=True)
            if config.output_critic_weight > 0
            else None
        )
        # `output_noise`: per-step noise added to the numeric channels' logits on the generation path,
        # with a learned scale per channel (starting at 0), so step-to-step roughness that no recurrent
        # state carries (an integer count drawn afresh each hour) has a direct source; see TimeGANConfig.
        numeric = [b.start for b in spec.layout.of_kind("numeric")]
        self.output_noise = config.output_noise and bool(numeric)
        if self.output_noise:
            # noise channel (c mod noise_dim) -> numeric channel c, as a matrix: a matmul exports cleanly
            # with dynamic batch and time axes, where index_add did not.
            routing = torch.zeros(self.noise_dim, f)
            for c in numeric:
                routing[c % self.noise_dim, c] = 1.0
            self.register_buffer("noise_routing", routing, persistent=False)
            # scale = gain * parameter, from 0: Adam moves a parameter ~lr per step, so without the gain the
            # scale could grow by only ~0.3 logits within a 3-minute budget (~300 generator steps).
            self.noise_scale = nn.Parameter(torch.zeros(f))

    @property
    def cond_dim(self) -> int:
        return self.spec.cond_dim

    def latent_mask(self, mask: torch.Tensor) -> torch.Tensor:
        """The step mask `[B, T]` at the latents' resolution (per group of `sample_len` steps)."""
        return group_mask(mask, self.sample_len)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """`x [B, T, F]` -> latents `[B, ceil(T / sample_len), hidden]`."""
        return torch.sigmoid(self.embedder(group_steps(x, self.sample_len)))

    def recover(self, h: torch.Tensor, steps: int) -> torch.Tensor:
        """Latents -> decoded `[B, steps, F]`."""
        return self.head(ungroup_steps(self.recovery(h), self.sample_len, steps))

    def emit(self, h: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """The generation path's recovery: `recover(h)` at the noise's steps plus, with `output_noise`,
        scaled per-step noise (the caller's noise channels, reused) on the numeric logits."""
        logits = ungroup_steps(self.recovery(h), self.sample_len, noise.size(1))
        if self.output_noise:
            logits = logits + torch.matmul(noise, self.noise_routing) * (OUTPUT_NOISE_GAIN * self.noise_scale)
        return self.head(logits)

    def emit_parameters(self) -> list[nn.Parameter]:
        """Parameters of the generation path beyond the five stacks (the output noise scale)."""
        return [self.noise_scale] if self.output_noise else []

    def supervise(self, h: torch.Tensor) -> torch.Tensor:
        """Predicts the next step's latent from the latents so far (output t ~ h at t+1)."""
        return torch.sigmoid(self.supervisor(h))

    def generate_latent(
        self, noise: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor, codes: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Generator latents `[B, T, hidden]`. With `static_noise`, step 0's noise is also fed at every
        step: a per-sequence random vector for what stays constant over a sequence (its level), so the
        per-step noise only has to explain the moves (as DoppelGANger separates its noise)."""
        side = self.side.generator_inputs(cond, lengths, codes)
        u = group_steps(normal_to_uniform(noise), self.sample_len)
        if self.static_noise:
            u = torch.cat([u, u[:, :1].expand(-1, u.size(1), -1)], -1)
        return torch.sigmoid(self.generator(with_side_input(u, side)))

    def discriminate(self, h: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor) -> Judgement:
        """Logits per latent step `[B, T / sample_len]` (BEGAN: reconstruction errors), features, and the
        ACGAN / InfoGAN heads."""
        side = self.side.discriminator_inputs(cond, lengths)
        groups = group_lengths(lengths, self.sample_len)
        return judge(self.discriminator, h, side, groups, self.aux_classifier, self.info_head)

    def criticize_output(self, x: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The decoded-space critic's per-step logits `[B, T]`. Steps beyond each length are zeroed first, as
        `EncodedData` pads real data: the backward direction reads the padding, which must never be a cue."""
        assert self.output_critic is not None
        side = self.side.discriminator_inputs(cond, lengths)
        x = x * step_mask(lengths, x.size(1)).unsqueeze(-1)
        return self.output_critic(with_side_input(x, side)).squeeze(-1)

    def generate(
        self, noise: torch.Tensor, cond: torch.Tensor, lengths: torch.Tensor, codes: torch.Tensor | None = None
    ) -> torch.Tensor:
        """`noise [B, T, noise_dim]`, `cond [B, C]`, `lengths [B]` (, `codes [B, K]`) -> encoded `[B, T, F]`."""
        x = self.emit(self.supervise(self.generate_latent(noise, cond, lengths, codes)), noise)
        if self.spec.variable_length:  # zero padding like EncodedData; fixed-length graphs skip `lengths`
            x = x * step_mask(lengths, x.size(1)).unsqueeze(-1)
        return x

    def generator_graph(self) -> nn.Module:
        """generator -> supervisor -> recovery -> head as one exportable module (no loop inside)."""
        return GeneratorGraph(self)
