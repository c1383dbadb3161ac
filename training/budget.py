"""`--max-minutes` as a budget for the whole command, not just the training loop.

Reading, inference, encoding, the quick score, ONNX export and verification all cost time, and on a wide
table they cost more than training (3,000 columns x 60 rows with a 12-second budget ran for over five
minutes). Training is given what is left of the budget minus a reserve for the work after it (but at
least a tenth of the budget unless the budget is spent before training starts: then it is an error); the quick
score is skipped (and says so) when the budget is spent; every part is timed and logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# Share of the budget kept for the work after training (quick score, export, verification).
AFTER_TRAINING_SHARE = 0.25
MIN_TRAINING_SHARE = 0.1


class CommandBudget:
    def __init__(self, max_minutes: float | None, started: float, log: Callable[[str], None] | None) -> None:
        self.total_s = None if max_minutes is None else float(max_minutes) * 60.0
        self.started = started
        self.log = log or (lambda _m: None)
        self.parts: list[tuple[str, float]] = []
        self._last = started

    def training_seconds(self, now: float) -> float:
        """What training may use when it starts at `now`: up to `train_until`, but at least a tenth of the
        budget as long as the budget is not spent (a slow read must not turn a short run into no run).
        Zero means the whole budget went on reading and preparing the data."""
        assert self.total_s is not None
        if now >= self.started + self.total_s:
            return 0.0
        return max(self.started + self.total_s * (1.0 - AFTER_TRAINING_SHARE) - now, MIN_TRAINING_SHARE * self.total_s)

    def since_mark(self) -> float:
        return time.monotonic() - self._last

    def mark(self, part: str, seconds: float) -> None:
        self.parts.append((part, seconds))
        self._last = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def allows_scoring(self) -> bool:
        if self.total_s is None or self.elapsed() < self.total_s:
            return True
        self.log(f"note: quick score skipped: the {self.total_s:.0f}s budget is spent ({self.elapsed():.1f}s so far)")
        return False

    def report(self) -> None:
        parts = ", ".join(f"{name} {s:.1f}s" for name, s in self.parts)
        limit = "" if self.total_s is None else f" of a {self.total_s:.1f}s budget"
        self.log(f"time: {self.elapsed():.1f}s{limit} ({parts})")
