"""Choose the generator to return by a validation score taken during training (`select_snapshots`).

A GAN's generator does not converge to one point: the quality of successive snapshots of one run jumps
around (on Stocks the post-hoc score of snapshots jumped between 0.13 and 0.29, see `ema`), and on several
data sets of the fidelity suite a longer budget ended on a worse generator than a shorter one. So during
the adversarial phase the averaged generation weights are scored `select_snapshots` times, evenly over
its last `1 - select_from` (by steps or by time, whichever is further along), the last time when the phase
ends, and the best-scoring snapshot is the one training returns.

The score (lower is better) comes from the caller (`chronogan.training.quality.snapshot_scorer`: a short
discriminative score of the snapshot's decoded samples against *training* sequences, never the held-out
ones an evaluation scores against).
"""

from __future__ import annotations

from typing import Any

import torch


class SnapshotSelection:
    def __init__(self, count: int, start: float) -> None:
        self.count = count
        # Progress (0..1 of the phase) at which each snapshot is due; the last one is the phase's end.
        self.due_at = [start + (1.0 - start) * (k + 1) / count for k in range(count)]
        self.taken = 0
        self.scores: list[float] = []
        self.steps: list[int] = []
        self.best_score: float | None = None
        self.best_index: int | None = None
        self.best_weights: list[torch.Tensor] | None = None

    def due(self, progress: float) -> bool:
        """Whether the next snapshot is due at `progress` (the final one waits for the phase's end)."""
        return self.taken < self.count - 1 and progress >= self.due_at[self.taken]

    def offer(self, score: float, step: int, weights: list[torch.Tensor]) -> None:
        """Record a snapshot's score; keep its weights when it is the best so far (ties keep the later)."""
        self.taken += 1
        self.scores.append(float(score))
        self.steps.append(int(step))
        if self.best_score is None or score <= self.best_score:
            self.best_score, self.best_index = float(score), len(self.scores) - 1
            self.best_weights = [w.detach().clone() for w in weights]

    def summary(self) -> dict[str, Any]:
        return {
            "scores": [round(s, 4) for s in self.scores],
            "at_steps": list(self.steps),
            "chosen": self.best_index,
            "chosen_step": None if self.best_index is None else self.steps[self.best_index],
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            "taken": self.taken,
            "scores": list(self.scores),
            "steps": list(self.steps),
            "best_score": self.best_score,
            "best_index": self.best_index,
            "best_weights": None if self.best_weights is None else [w.clone() for w in self.best_weights],
        }

    def load_state_dict(self, state: dict[str, Any] | None) -> None:
        if not state:
            return
        self.taken = int(state["taken"])
        self.scores = [float(s) for s in state["scores"]]
        self.steps = [int(s) for s in state["steps"]]
        self.best_score = None if state["best_score"] is None else float(state["best_score"])
        self.best_index = None if state["best_index"] is None else int(state["best_index"])
        weights = state.get("best_weights")
        self.best_weights = None if weights is None else [w.clone() for w in weights]
