"""The wall-clock budget: a hard total, shared out between phases as they start."""

from __future__ import annotations

import time


class TimeBudget:
    """`total_s=None` means unlimited (the step counts rule).

    Each phase gets `remaining * fraction / (sum of the fractions of the phases still to run)`, so time
    an earlier phase leaves unused (it reached its step count first) flows on to the later phases.
    `spent_s` is time already used before this run (a resumed training continues its budget).
    """

    def __init__(self, total_s: float | None, spent_s: float = 0.0) -> None:
        self.total_s = total_s
        self.spent_before_s = spent_s
        self.started = time.monotonic()

    def elapsed(self) -> float:
        """Seconds spent in total, this run and the runs it resumes."""
        return self.spent_before_s + (time.monotonic() - self.started)

    def remaining(self) -> float | None:
        return None if self.total_s is None else max(0.0, self.total_s - self.elapsed())

    def phase_deadline(self, fraction: float, fractions_left: float) -> float | None:
        """`time.monotonic()` value at which a phase starting now must stop (None: no limit)."""
        remaining = self.remaining()
        if remaining is None:
            return None
        share = remaining * fraction / fractions_left if fractions_left > 0 else remaining
        return time.monotonic() + share

    def exhausted(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0.0
