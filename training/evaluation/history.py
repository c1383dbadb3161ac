"""Reading a trainer history (list of dicts with `phase`, `step` and loss keys) and summarising it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from chronogan.training.evaluation.sequences import EvaluationInputError

# Per-term discriminator loss when D outputs 0.5 everywhere: BCE -ln(0.5); least squares (0.5 - target)^2.
EQUILIBRIA: dict[str, float | None] = {"bce": math.log(2.0), "lsgan": 0.25, "mse": 0.25}
# Numeric entries of a history row that are bookkeeping, not losses.
NON_LOSS_KEYS = frozenset({"step", "epoch", "iteration", "time", "elapsed", "elapsed_s", "seconds", "lr"})
TAIL_FRACTION = (
    0.1  # "where training ended up": the mean over the last 10% of each curve, less noisy than the last point
)

Series = dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]


def resolve_equilibrium(equilibrium: float | str | None) -> float | None:
    """A loss name -> its per-term equilibrium ('bce', 'dragan', 'infogan' -> ln 2 ≈ 0.693; 'lsgan'/'mse'
    -> 0.25; 'hinge' -> 1; 'wgan-gp' -> 0; 'began' -> None: it has none), a number as is, None -> none.

    Pass a number when the trainer sums D's real and fake terms (e.g. 2 ln 2 for summed BCE).
    """
    if equilibrium is None:
        return None
    if isinstance(equilibrium, int | float):
        return float(equilibrium)
    key = equilibrium.lower()
    known = {**EQUILIBRIA, **_loss_equilibria()}
    if key not in known:
        raise EvaluationInputError(f"unknown equilibrium {equilibrium!r}; use one of {sorted(known)} or a number")
    return known[key]


def _loss_equilibria() -> dict[str, float | None]:
    """Every trainer loss's own equilibrium (one definition: the loss classes)."""
    from chronogan.training.losses import LOSS_CLASSES

    return {name: cls.equilibrium for name, cls in LOSS_CLASSES.items()}


def is_discriminator_key(key: str) -> bool:
    """Which history keys are discriminator losses (heuristic): d, d_loss, loss_d, disc*, *discriminator*."""
    k = key.lower()
    return k in {"d", "loss_d"} or k.startswith(("d_", "disc")) or "discriminator" in k


def loss_series(history: Sequence[Mapping[str, Any]]) -> Series:
    """phase -> loss key -> (steps, values), phases and keys in order of first appearance.

    Rows without a step use their position in the phase; non-numeric and non-finite values are skipped.
    """
    out: dict[str, dict[str, tuple[list[float], list[float]]]] = {}
    for row in history:
        series = out.setdefault(str(row.get("phase", "training")), {})
        step = row.get("step")
        for key, value in row.items():
            if key == "phase" or key in NON_LOSS_KEYS or isinstance(value, bool):
                continue
            if not isinstance(value, int | float) or not math.isfinite(value):
                continue
            steps, values = series.setdefault(key, ([], []))
            steps.append(float(step) if isinstance(step, int | float) else float(len(steps)))
            values.append(float(value))
    return {p: {k: (np.asarray(s), np.asarray(v)) for k, (s, v) in ks.items()} for p, ks in out.items()}


def history_summary(history: Sequence[Mapping[str, Any]], *, equilibrium: float | str | None = None) -> dict[str, Any]:
    """Per phase and loss: points, last value, tail mean; for discriminator losses the tail's gap from the
    equilibrium (near 0 = balanced game; far below = D wins, G is not learning)."""
    level = resolve_equilibrium(equilibrium)
    phases: dict[str, Any] = {}
    for phase, curves in loss_series(history).items():
        rows: dict[str, Any] = {}
        for key, (steps, values) in curves.items():
            tail = values[-max(1, int(len(values) * TAIL_FRACTION)) :]
            row: dict[str, Any] = {
                "points": len(values),
                "last_step": float(steps[-1]),
                "last": float(values[-1]),
                "tail_mean": float(tail.mean()),
            }
            if level is not None and is_discriminator_key(key):
                row["tail_gap_from_equilibrium"] = float(tail.mean() - level)
            rows[key] = row
        phases[phase] = rows
    out: dict[str, Any] = {"equilibrium": level, "phases": phases}
    m_global = [rows["m_global"] for rows in phases.values() if "m_global" in rows]
    if m_global:  # BEGAN: no equilibrium value; its convergence measure is the number to read instead
        out["m_global"] = {"last": m_global[-1]["last"], "tail_mean": m_global[-1]["tail_mean"]}
    return out
