"""Training monitor: watches the logged records for the usual GAN failure modes.

- Discriminator collapse: the discriminator's loss per term (the record's "d") stays far below its
  equilibrium value (the loss's `collapsed` test, e.g. < 10% of ln 2 for BCE) for `window` consecutive records:
  it separates real from fake perfectly and the generator gets no useful gradient.
- Generator (mode) collapse: the generated batch varies much less than the real one
  (`diversity_ratio` = mean std across the batch of fake / of real sequences < `min_diversity`) for
  `window` consecutive records.
  Both collapse checks start after `grace_records` records of a phase: a freshly started adversarial
  phase is briefly lopsided by design (TimeGAN's generator starts with almost no output variance, the
  discriminator wins the first rounds), which is not yet a failure.
- Losses without a fixed equilibrium (BEGAN) are said to have none (`d_equilibrium` None and
  `equilibrium` explaining why) and skip the collapse check; BEGAN's convergence measure M_global
  (the record's "m_global", lower is better) is watched instead: staying above `m_global_rise` times
  its best value for `window` records warns that training is moving away from convergence.
- Divergence: a non-finite loss (checked every step), or a loss exceeding `explode_factor` times its
  typical size early in the phase -> `stop_reason` is set and the trainer stops.

Warnings go to the `log` callback (once per episode, not every record), into `warnings` (which ends up
in `summary["warnings"]`) and into the record's `monitor` field in `history`.

Records are flat: {"phase", "step", "elapsed_s", <loss name>: value, ...}.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Any

import torch
from chronogan.training.losses import AdversarialLoss

_NOT_LOSSES = frozenset({"phase", "step", "elapsed_s", "monitor"})


def equilibrium_text(loss: AdversarialLoss) -> str:
    """What the monitor says about a loss's equilibrium: its value per term, or that it has none."""
    if loss.equilibrium is None:
        return (
            f"{loss.name} has no fixed equilibrium value: its balance is E[L(fake)] = gamma E[L(real)] of the "
            "autoencoder's reconstruction errors (kept by k_t); M_global measures convergence (lower is better)"
        )
    return f"{loss.name}: {loss.equilibrium:.4g} per discriminator term when it cannot tell real from fake"


def batch_diversity(x: torch.Tensor, mask: torch.Tensor) -> float:
    """Mean over valid (step, feature) entries of the standard deviation across the batch."""
    m = mask.unsqueeze(-1).expand_as(x)
    count = m.sum(0)
    mean = (x * m).sum(0) / count.clamp_min(1.0)
    std = ((((x - mean) ** 2) * m).sum(0) / count.clamp_min(1.0)).sqrt()
    valid = (count > 1).to(x.dtype)
    return float((std * valid).sum() / valid.sum().clamp_min(1.0))


class TrainingMonitor:
    def __init__(
        self,
        loss: AdversarialLoss,
        log: Callable[[str], None] | None = None,
        *,
        window: int = 5,
        min_diversity: float = 0.2,
        explode_factor: float = 1e3,
        reference_records: int = 3,
        grace_records: int = 10,
        m_global_rise: float = 2.0,
    ) -> None:
        self.loss = loss
        self.log = log
        self.window = window
        self.min_diversity = min_diversity
        self.explode_factor = explode_factor
        self.reference_records = reference_records
        self.grace_records = grace_records
        self.m_global_rise = m_global_rise
        self._best_m_global: float | None = None
        self._records: dict[str, int] = {}  # per phase
        self.warnings: list[str] = []
        self.stop_reason: str | None = None
        self._streaks: dict[str, int] = {"d_collapse": 0, "g_collapse": 0, "m_global": 0}
        self._early: dict[str, list[float]] = {}  # "phase/loss" -> first values, the scale reference

    def check_step(self, phase: str, step: int, losses: dict[str, float]) -> str | None:
        """Per-step divergence check (cheap: the losses are already Python floats)."""
        for name, value in losses.items():
            if not math.isfinite(value):
                self.stop_reason = f"diverged: loss {name!r} became {value} at {phase} step {step}"
                self._warn(self.stop_reason)
                return self.stop_reason
        return None

    def observe(self, record: dict[str, Any], diversity_ratio: float | None = None) -> dict[str, Any]:
        """Look at one history record (and the fake/real diversity ratio when measured); returns the
        `monitor` fields to store with it."""
        phase, step = record["phase"], record["step"]
        out: dict[str, Any] = {}
        already = len(self.warnings)
        losses = {
            k: float(v)
            for k, v in record.items()
            if k not in _NOT_LOSSES and isinstance(v, int | float) and not isinstance(v, bool)
        }
        self._check_explosion(phase, step, losses)
        self._records[phase] = self._records.get(phase, 0) + 1
        settled = self._records[phase] > self.grace_records
        d_term = losses.get("d")
        if d_term is not None and self.loss.equilibrium is None:
            out["d_equilibrium"] = None
            if self._records[phase] == 1:  # said once per phase, not in every record
                out["equilibrium"] = equilibrium_text(self.loss)
        elif d_term is not None:
            out["d_equilibrium"] = self.loss.equilibrium
            self._streak(
                "d_collapse",
                settled and self.loss.collapsed(d_term),
                phase,
                step,
                f"discriminator collapse: its loss per term is {d_term:.4g} vs equilibrium "
                f"{self.loss.equilibrium:.4g} ({self.loss.name}) for {self.window} records; the "
                "generator gets little signal (try a lower lr_d or more generator steps)",
            )
        m_global = losses.get("m_global")
        if m_global is not None:
            out["m_global"] = m_global
            best = self._best_m_global = m_global if self._best_m_global is None else min(self._best_m_global, m_global)
            self._streak(
                "m_global",
                settled and m_global > self.m_global_rise * best,
                phase,
                step,
                f"BEGAN convergence measure M_global is {m_global:.4g}, over {self.m_global_rise:g}x its best "
                f"({best:.4g}) for {self.window} records: training is moving away from convergence "
                "(try a lower lr or began_lambda_k)",
            )
        ratio = diversity_ratio
        if ratio is not None:
            out["diversity_ratio"] = ratio
            self._streak(
                "g_collapse",
                settled and ratio < self.min_diversity,
                phase,
                step,
                f"generator collapse: generated sequences vary {ratio:.2f}x as much as real ones "
                f"for {self.window} records (mode collapse)",
            )
        if len(self.warnings) > already:
            out["warnings"] = self.warnings[already:]
        return out

    def _streak(self, key: str, bad: bool, phase: str, step: int, message: str) -> None:
        self._streaks[key] = self._streaks[key] + 1 if bad else 0
        if self._streaks[key] == self.window:  # once per episode; re-armed when it recovers
            self._warn(f"{phase} step {step}: {message}")

    def _check_explosion(self, phase: str, step: int, losses: dict[str, float]) -> None:
        for name, value in losses.items():
            if not math.isfinite(value):
                if self.stop_reason is None:
                    self.stop_reason = f"diverged: loss {name!r} is {value} at {phase} step {step}"
                    self._warn(self.stop_reason)
                continue
            early = self._early.setdefault(f"{phase}/{name}", [])
            if len(early) < self.reference_records:
                early.append(abs(value))
                continue
            limit = self.explode_factor * max(1.0, statistics.median(early))
            if abs(value) > limit and self.stop_reason is None:
                self.stop_reason = (
                    f"diverged: loss {name!r} reached {value:.4g} at {phase} step {step}, "
                    f"over {self.explode_factor:g}x its early size"
                )
                self._warn(self.stop_reason)

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        if self.log is not None:
            self.log(f"warning: {message}")

    def state_dict(self) -> dict[str, Any]:
        return {
            "warnings": list(self.warnings),
            "streaks": dict(self._streaks),
            "records": dict(self._records),
            "early": {k: list(v) for k, v in self._early.items()},
            "best_m_global": self._best_m_global,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.warnings = list(state["warnings"])
        self._streaks = {**self._streaks, **state["streaks"]}
        self._best_m_global = state.get("best_m_global")
        self._records = dict(state.get("records", {}))
        self._early = {k: list(v) for k, v in state["early"].items()}
