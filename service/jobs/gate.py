"""The quality gate: does a freshly trained version replace the active one?

Both versions are scored on the same held-out validation data (see `chronogan.training.gate_scores`):
the discriminative score (|accuracy - 0.5| of a classifier telling real from synthetic; lower is better)
of each one's samples, with the same classifier seeds in every repeat. The candidate goes live when its
score is not worse than the active one's by more than the margin, which is the larger of the configured
margin and twice the standard error of the paired difference: a difference the repeats cannot tell from
noise is no reason to keep a stale model, and no reason either to trust a configured margin smaller than
the noise. A candidate that fails the privacy check (it memorises its training data) never goes live on
its own, nor one whose sequences are nearly flat where the validation data moves (the collapse check:
the gate's short classifier scored an untrained TimeGAN 0.27 against 0.36 for a trained version, since a
sequence sitting still in the middle of the data's range is the last thing a weak classifier learns).
`promote` overrides everything; a model's first version always goes live.
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
    se: float | None = None
    floor: float | None = None
    privacy_passed: bool | None = None
    privacy_reason: str | None = None
    spread_passed: bool | None = None
    spread_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mean(measurements: dict[str, Any] | None, key: str) -> float | None:
    try:
        value = (measurements or {})[key]["mean"]
    except (KeyError, TypeError):
        return None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def decide(
    measurements: dict[str, Any] | None,
    *,
    active_version: str | None,
    promote: bool,
    margin: float,
    unavailable: str | None = None,
) -> GateDecision:
    """`measurements` is `gate_measurements(...)` (None with `unavailable` saying why there are none)."""
    m = measurements or {}
    new, old = _mean(m, "candidate"), _mean(m, "active")
    se = (m.get("difference") or {}).get("se")
    effective = max(margin, 2 * se) if isinstance(se, int | float) else margin
    privacy = m.get("privacy") or {}
    spread = m.get("spread") or {}

    def result(activate: bool, reason: str) -> GateDecision:
        return GateDecision(
            activate,
            reason,
            new,
            active_version,
            old,
            effective,
            se,
            _mean(m, "floor"),
            privacy.get("passed"),
            privacy.get("reason"),
            spread.get("passed"),
            spread.get("reason"),
        )

    if active_version is None:
        return result(True, "the model had no active version")
    if promote:
        return result(True, "promote was requested")
    if measurements is None:
        return result(False, f"{unavailable or 'the gate could not score the new version'}; activate it by hand")
    if privacy.get("passed") is False:
        return result(False, f"the new version fails the privacy check: {privacy.get('reason')}")
    if new is None or old is None:
        return result(False, "the versions could not both be scored on the validation data; activate it by hand")
    floor = _mean(m, "floor")
    vs_floor = f" (real vs real: {floor:.4f})" if floor is not None else ""
    if new <= old + effective and spread.get("passed") is False:
        return result(
            False,
            f"discriminative score {new:.4f} is within {effective:.4f} of the active {old:.4f}, but "
            f"{spread.get('reason')}",
        )
    if new <= old + effective:
        return result(
            True,
            f"discriminative score {new:.4f} is within {effective:.4f} of the active {old:.4f} "
            f"on the same validation data{vs_floor}",
        )
    return result(
        False,
        f"discriminative score {new:.4f} is worse than the active {old:.4f} by more than {effective:.4f} "
        f"on the same validation data{vs_floor}",
    )
