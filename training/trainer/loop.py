"""The shared training loop: phases, time budget, logging, monitoring and checkpoints.

Model-specific work is delegated to a `ModelSteps` object; everything here is the same for every model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from chronogan.training.config import GANConfig
from chronogan.training.models.spec import DataSpec
from chronogan.training.monitor import TrainingMonitor, equilibrium_text
from chronogan.training.trainer import checkpoint
from chronogan.training.trainer.base import ModelSteps, PhasePlan
from chronogan.training.trainer.budget import TimeBudget
from chronogan.training.trainer.recorder import Recorder
from chronogan.training.trainer.selection import SnapshotSelection
from torch import nn

# Scores a CPU copy of the networks with the generation weights of a snapshot (lower is better).
SnapshotScorer = Callable[[nn.Module], float]


class TrainingRun:
    def __init__(
        self,
        config: GANConfig,
        spec: DataSpec,
        model: ModelSteps,
        rng: np.random.Generator,
        monitor: TrainingMonitor,
        *,
        progress: bool,
        checkpoint_dir: Path | None,
        log: Callable[[str], None] | None,
        on_progress: Callable[[float], None] | None = None,
        scorer: SnapshotScorer | None = None,
    ) -> None:
        self.config = config
        self.spec = spec
        self.model = model
        self.rng = rng
        self.monitor = monitor
        self.checkpoint_dir = checkpoint_dir
        self.log = log
        self.on_progress = on_progress
        self.plans = model.phases()
        self.steps = {p.name: 0 for p in self.plans}
        self.seconds = {p.name: 0.0 for p in self.plans}
        self.ended_by: dict[str, str] = {}
        self.history: list[dict[str, Any]] = []
        self.recorder = Recorder(self.history, monitor, progress, log)
        self.stop_reason: str | None = None
        self.spent_before_s = 0.0
        self.scorer = scorer
        count = config.select_snapshots if scorer is not None else 0
        self.selection = SnapshotSelection(count, config.select_from) if count > 0 else None
        self.snapshot_s = 0.0  # how long the latest snapshot took to score (0 when not selecting)

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a checkpoint (see `checkpoint.load`)."""
        self.model.networks.load_state_dict(state["networks"])
        for name, opt in self.model.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        self.steps.update(state["steps"])
        self.seconds.update(state["seconds"])
        self.spent_before_s = float(state["elapsed_s"])
        self.history[:] = state["history"]
        self.monitor.load_state_dict(state["monitor"])
        self.model.load_state_dict(state["model_state"])
        if self.selection is not None:
            self.selection.load_state_dict(state["model_state"].get("selection"))
        checkpoint.restore_rng(state, self.rng)

    def run(self) -> None:
        minutes = self.config.max_minutes
        self.budget = TimeBudget(None if minutes is None else minutes * 60.0, self.spent_before_s)
        for index, plan in enumerate(self.plans):
            if self.steps[plan.name] >= plan.steps:
                continue
            if self.budget.exhausted():
                self.ended_by[plan.name] = "time budget (not started)"
                continue
            left = sum(p.fraction for p in self.plans[index:] if self.steps[p.name] < p.steps)
            self._run_phase(plan, self.budget.phase_deadline(plan.fraction, left))
            if self.stop_reason is not None:
                return
            self._save_checkpoint()

    def apply_selection(self) -> None:
        """Put the best-scoring snapshot into the generation path (after `ModelSteps.finish`)."""
        if self.selection is not None and self.selection.best_weights is not None and self.stop_reason is None:
            self.model.use_generation_weights(self.selection.best_weights)

    def _snapshot(self, name: str) -> None:
        assert self.selection is not None and self.scorer is not None
        started = time.monotonic()
        score = self.scorer(self.model.snapshot_networks())
        self.selection.offer(score, self.steps[name], self.model.generation_weights())
        self.snapshot_s = time.monotonic() - started
        self._log(f"{name}: snapshot at step {self.steps[name]} scored {score:.3f} ({self.snapshot_s:.1f}s)")

    def _run_phase(self, plan: PhasePlan, deadline: float | None) -> None:
        name, log_every = plan.name, self.config.log_every
        self.recorder.start_phase(name, self.steps[name], plan.steps)
        started = time.monotonic()
        self._log(
            f"{name}: from step {self.steps[name]} to {plan.steps}"
            + ("" if deadline is None else f", at most {deadline - started:.1f}s")
        )
        result = None
        self.ended_by[name] = "steps"
        selecting = plan.adversarial and self.selection is not None
        try:
            while self.steps[name] < plan.steps:
                # The last snapshot is scored inside the budget: end the phase that much earlier.
                if deadline is not None and time.monotonic() >= deadline - self.snapshot_s:
                    self.ended_by[name] = "time budget"
                    break
                step = self.steps[name] + 1
                result = self.model.step(name, plan.adversarial and step % log_every == 0)
                self.steps[name] = step
                self.recorder.add(result)
                if self.monitor.check_step(name, step, result.losses) is not None:
                    break
                if step % log_every == 0:
                    self.recorder.record(name, step, self.budget.elapsed(), result)
                    self._report_progress()
                    if self.monitor.stop_reason is not None:
                        break
                # Before the checkpoint, so that a checkpoint holds every snapshot due up to its step.
                if (
                    selecting
                    and self.selection.due(self._progress(step, plan.steps, started, deadline))  # type: ignore[union-attr]
                    and self._room(deadline, 2)  # this snapshot and the last one inside the budget
                ):
                    self._snapshot(name)
                if self.checkpoint_dir is not None and step % self.config.checkpoint_every == 0:
                    self._save_checkpoint()
            if result is not None and self.recorder.pending():
                self.recorder.record(name, self.steps[name], self.budget.elapsed(), result)
            # The last one, the weights the phase ends with, unless a snapshot just before has already spent
            # the time it needs (the budget is a hard limit).
            if selecting and self._room(deadline, 1) and self.monitor.stop_reason is None and self.steps[name] > 0:
                self._snapshot(name)
        finally:
            self.seconds[name] += time.monotonic() - started
            self.recorder.end_phase()
        if self.monitor.stop_reason is not None:
            self.stop_reason = self.monitor.stop_reason
            self.ended_by[name] = "diverged"
        self._log(f"{name}: {self.steps[name]} steps, {self.seconds[name]:.1f}s ({self.ended_by[name]})")

    def _room(self, deadline: float | None, snapshots: int) -> bool:
        """Whether `snapshots` more snapshots, as long as the latest took, fit before `deadline`."""
        return deadline is None or time.monotonic() + snapshots * self.snapshot_s <= deadline

    @staticmethod
    def _progress(step: int, steps: int, started: float, deadline: float | None) -> float:
        """How far a phase is: the larger of its steps done and its time used (0..1)."""
        done = step / steps if steps else 1.0
        if deadline is not None and deadline > started:
            done = max(done, (time.monotonic() - started) / (deadline - started))
        return done

    def _report_progress(self) -> None:
        if self.on_progress is None:
            return
        total_steps = sum(p.steps for p in self.plans) or 1
        done = sum(min(self.steps[p.name], p.steps) for p in self.plans) / total_steps
        if self.budget.total_s:
            done = max(done, self.budget.elapsed() / self.budget.total_s)
        self.on_progress(min(1.0, done))

    def _save_checkpoint(self) -> None:
        # After a divergence the weights may hold NaNs: keep the last good checkpoint instead.
        if self.checkpoint_dir is None or self.stop_reason is not None:
            return
        checkpoint.save(
            self.checkpoint_dir,
            config=self.config,
            spec=self.spec,
            networks=self.model.networks,
            optimizers=self.model.optimizers,
            steps=self.steps,
            seconds=self.seconds,
            elapsed_s=self.budget.elapsed(),
            rng=self.rng,
            history=self.history,
            monitor=self.monitor.state_dict(),
            model_state={
                **self.model.state_dict(),
                "selection": None if self.selection is None else self.selection.state_dict(),
            },
        )

    def summary(self) -> dict[str, Any]:
        final: dict[str, dict[str, Any]] = {}
        for record in self.history:
            final[record["phase"]] = {
                k: v for k, v in record.items() if k not in ("phase", "step", "elapsed_s", "monitor")
            }
        return {
            "model_type": self.config.model_type,
            "steps": dict(self.steps),
            "seconds": {**{k: round(v, 3) for k, v in self.seconds.items()}, "total": round(self.budget.elapsed(), 3)},
            "steps_per_second": {k: round(self.steps[k] / v, 2) for k, v in self.seconds.items() if v > 0},
            "ended_by": dict(self.ended_by),
            "budget_s": self.budget.total_s,
            "final_losses": final,
            "loss": self.config.loss,
            "d_equilibrium": self.monitor.loss.equilibrium,
            "equilibrium": equilibrium_text(self.monitor.loss),
            "warnings": list(self.monitor.warnings),
            "stopped_early_reason": self.stop_reason,
            "selection": None if self.selection is None else self.selection.summary(),
        }

    def _log(self, message: str) -> None:
        if self.log is not None:
            self.log(message)
