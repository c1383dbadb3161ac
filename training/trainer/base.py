"""The interface between the shared training loop and the model-specific step logic."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

import torch
from chronogan.training.config import GANConfig
from chronogan.training.losses import (
    AdversarialLoss,
    dragan_penalty,
    gradient_penalty,
    info_loss,
    masked_mean,
    regression_error,
    regression_loss,
)
from chronogan.training.models.codes import code_layout
from chronogan.training.trainer.batches import BatchSampler
from chronogan.training.trainer.ema import WeightAverage
from torch import nn


@dataclass(frozen=True)
class PhasePlan:
    name: str
    steps: int  # cap on the number of steps
    fraction: float  # share of the time budget
    adversarial: bool  # whether the monitor should look at discriminator/diversity numbers


@dataclass
class StepResult:
    """Losses of one step as floats. Naming convention (the history and plots rely on it): "d" is the
    discriminator's adversarial loss *per term* (mean of its real and fake terms), directly comparable
    with the loss's equilibrium value; other discriminator-side numbers avoid the "d_" prefix."""

    losses: dict[str, float]
    diversity_ratio: float | None = None  # fake / real batch diversity (only when asked for)


class ModelSteps(ABC):
    """Model-specific part of training: the phases, the optimisers and one step of each phase."""

    def __init__(self, config: GANConfig, networks: nn.Module, sampler: BatchSampler, loss: AdversarialLoss) -> None:
        self.config = config
        self.networks = networks
        self.sampler = sampler
        self.loss = loss
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.average: WeightAverage | None = None  # EMA of the generation path, set by subclasses
        self.generation_params: list[nn.Parameter] = []  # the generation path's parameters, set with it

    def average_weights(self, params: Sequence[nn.Parameter]) -> WeightAverage | None:
        self.generation_params = list(params)
        decay = self.config.ema_decay
        return WeightAverage(self.generation_params, decay) if decay else None

    def generation_weights(self) -> list[torch.Tensor]:
        """The weights the generation path would be returned with now: the average's, or the live ones."""
        if self.average is not None and self.average.updates > 0:
            return self.average.shadow
        return [p.detach() for p in self.generation_params]

    @torch.no_grad()
    def use_generation_weights(self, weights: Sequence[torch.Tensor]) -> None:
        for p, w in zip(self.generation_params, weights, strict=True):
            p.copy_(w)

    @torch.no_grad()
    def snapshot_networks(self) -> nn.Module:
        """A CPU copy of the networks, in eval mode, with `generation_weights()` in the generation path (the
        live networks are left exactly as they were)."""
        live = [p.detach().clone() for p in self.generation_params]
        self.use_generation_weights([w.clone() for w in self.generation_weights()])
        try:
            copy = deepcopy(self.networks)
        finally:
            self.use_generation_weights(live)
        return copy.to("cpu").eval()

    def state_dict(self) -> dict[str, Any]:
        """Model-specific training state beyond networks and optimisers (for checkpoints), and the loss's own
        (BEGAN's k_t)."""
        return {
            "average": self.average.state_dict() if self.average is not None else None,
            "loss": self.loss.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.average is not None and state.get("average") is not None:
            self.average.load_state_dict(state["average"])
        self.loss.load_state_dict(state.get("loss") or {})

    # -- what the loss options add, shared by both models -------------------------------------------
    def regression(self, prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The supervised/reconstruction error `config.supervised_loss` chooses (MSE or MAE)."""
        return regression_error(self.config.supervised_loss)(prediction, target, mask)

    def regression_term(self, error: torch.Tensor) -> torch.Tensor:
        """How that error enters a loss: sqrt(MSE) (RMSE) or the MAE itself (see `regression_loss`)."""
        return regression_loss(self.config.supervised_loss, error)

    def sample_codes(self, batch: int) -> torch.Tensor | None:
        """InfoGAN codes for a generated batch (None for every other loss)."""
        codes = code_layout(self.networks)
        return codes.sample(batch) if codes.dim else None

    def info_term(
        self, info_logits: torch.Tensor | None, codes: torch.Tensor | None, losses: dict[str, float], key: str
    ) -> torch.Tensor | None:
        """`info_weight` * InfoGAN's mutual-information term, logged under `key`; None without codes."""
        if info_logits is None or codes is None:
            return None
        layout = code_layout(self.networks)
        value = info_loss(info_logits, codes, layout.blocks, layout.n_continuous)
        losses[key] = value.item()
        return self.config.info_weight * value

    def penalty(
        self,
        critic: Callable[[torch.Tensor], torch.Tensor],
        real: torch.Tensor,
        fake: torch.Tensor,
        mask: torch.Tensor,
        losses: dict[str, float],
    ) -> torch.Tensor | None:
        """The weighted gradient penalty of the loss, logged as "gp": WGAN-GP's on real/fake interpolates,
        DRAGAN's on perturbed real samples; None for the other losses."""
        c = self.config
        if c.loss == "wgan-gp":
            value, weight = gradient_penalty(critic, real, fake, mask), c.gp_weight  # type: ignore[attr-defined]
        elif c.loss == "dragan":
            value, weight = dragan_penalty(critic, real, mask, c.dragan_scale), c.dragan_weight
        else:
            return None
        losses["gp"] = value.item()
        return weight * value

    def balance(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor, mask: torch.Tensor, losses: dict[str, float]
    ) -> None:
        """Let the loss update its control variable from this D step's outputs (BEGAN: k_t, M_global)."""
        if not self.loss.controlled:
            return
        with torch.no_grad():
            real = masked_mean(real_logits.reshape(mask.shape), mask).item()
            fake = masked_mean(fake_logits.reshape(mask.shape), mask).item()
        losses.update(self.loss.balance(real, fake))

    def finish(self) -> None:
        """Put the averaged weights into the generation path of the networks (end of training)."""
        if self.average is not None and self.average.updates > 0:
            self.average.copy_to_params()

    @abstractmethod
    def phases(self) -> list[PhasePlan]: ...

    @abstractmethod
    def step(self, phase: str, want_stats: bool) -> StepResult:
        """One training step of `phase`; `want_stats` asks for the (costlier) diversity ratio."""

    def adam(self, params: Sequence[nn.Parameter], lr: float) -> torch.optim.Adam:
        # foreach=True: one fused kernel launch per parameter group instead of one per tensor.
        return torch.optim.Adam(list(params), lr=lr, betas=self.config.betas, foreach=True)


def update(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


@contextmanager
def frozen(*modules: nn.Module | None) -> Iterator[None]:
    """No parameter gradients for `modules` inside the block (gradients still flow *through* them).

    Cheaper than computing gradients an optimiser will not use, and it keeps them out of `.grad`.
    """
    params = [p for m in modules if m is not None for p in m.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
