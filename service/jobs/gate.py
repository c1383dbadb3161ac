"""The quality gate: does a freshly trained version replace the active one?

The discriminative score (|accuracy - 0.5| of a classifier telling real from synthetic; lower is better)
is the one metric every model type reports. A retrain goes live when the model had no active version, when
the caller asked to `promote` it, or when its score is not worse than the active version's by more than
`margin` (the score is noisy: a small regression is not a reason to keep a stale model).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class GateDecision:
    activate: bool
    reason: str
    new_score: float | None
    active_version: str | None
    active_score: float | None
    margin: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def discriminative_score(metrics: dict[str, Any] | None) -> float | None:
    try:
        value = (metrics or {})["discriminative"]["mean"]
    except (KeyError, TypeError):
        return None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def decide(
    new_metrics: dict[str, Any] | None,
    *,
    active_version: str | None,
    active_metrics: dict[str, Any] | None,
    promote: bool,
    margin: float,
) -> GateDecision:
    new = discriminative_score(new_metrics)
    old = discriminative_score(active_metrics)

    def result(activate: bool, reason: str) -> GateDecision:
        return GateDecision(activate, reason, new, active_version, old, margin)

    if active_version is None:
        return result(True, "the model had no active version")
    if promote:
        return result(True, "promote was requested")
    if new is None:
        return result(False, "the new version has no discriminative score to compare; activate it by hand")
    if old is None:
        return result(True, f"the active version {active_version} has no discriminative score")
    if new <= old + margin:
        return result(True, f"discriminative score {new:.4f} is within {margin} of the active {old:.4f}")
    return result(False, f"discriminative score {new:.4f} is worse than the active {old:.4f} by more than {margin}")
