"""History records and the progress bar: per-step losses are averaged over each `log_every` window."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from chronogan.training.monitor import TrainingMonitor
from chronogan.training.trainer.base import StepResult
from tqdm.auto import tqdm


class Recorder:
    def __init__(
        self, history: list[dict[str, Any]], monitor: TrainingMonitor, progress: bool, log: Callable[[str], None] | None
    ) -> None:
        self.history = history
        self.monitor = monitor
        self.progress = progress
        self.log = log
        self.bar: Any = None
        self._sums: dict[str, float] = {}
        self._counts: dict[str, int] = {}
        self._count = 0

    def start_phase(self, phase: str, done: int, total: int) -> None:
        self._reset()
        self.bar = tqdm(
            total=total,
            initial=done,
            desc=phase,
            disable=not self.progress,
            leave=False,
            dynamic_ncols=True,
            mininterval=0.5,
        )

    def add(self, result: StepResult) -> None:
        for name, value in result.losses.items():
            self._sums[name] = self._sums.get(name, 0.0) + value
            self._counts[name] = self._counts.get(name, 0) + 1  # some losses are not logged every step
        self._count += 1
        self.bar.update(1)

    def record(self, phase: str, step: int, elapsed_s: float, result: StepResult) -> dict[str, Any]:
        """Close the current window into a flat history record: phase, step, elapsed_s, the mean of each
        loss over the window, and `monitor` (equilibrium, diversity ratio, new warnings)."""
        losses = {k: v / self._counts[k] for k, v in self._sums.items()}
        record: dict[str, Any] = {"phase": phase, "step": step, "elapsed_s": round(elapsed_s, 3), **losses}
        monitor = self.monitor.observe(record, result.diversity_ratio)
        if monitor:
            record["monitor"] = monitor
        self.history.append(_json_safe(record))
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in losses.items()}, refresh=False)
        self._reset()
        return record

    def pending(self) -> bool:
        return self._count > 0

    def end_phase(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _reset(self) -> None:
        self._sums = {}
        self._counts = {}
        self._count = 0


def _json_safe(value: Any) -> Any:
    """NaN/inf are not JSON: store them as None (the stop reason says what happened)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
