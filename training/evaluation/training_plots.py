"""Training-loss curves from a trainer history, with the discriminator's equilibrium line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from chronogan.training.evaluation.figures import grid, to_png
from chronogan.training.evaluation.history import is_discriminator_key, loss_series, resolve_equilibrium

SMOOTH_ABOVE = 200  # points per curve beyond which a moving average is drawn over the faint raw curve


def loss_curves(
    history: Sequence[Mapping[str, Any]],
    *,
    equilibrium: float | str | None = None,
) -> bytes:
    """One panel per training phase, every loss key as a curve; the equilibrium line goes on panels that
    hold a discriminator loss (a D loss hugging it means the generator is fooling D about half the time).
    BEGAN's M_global ("m_global", no equilibrium) is a curve too, with a dotted line at its best value."""
    series = loss_series(history)
    level = resolve_equilibrium(equilibrium)
    if not series:
        fig, (ax,) = grid(1, panel=(5.0, 2.0))
        ax.text(0.5, 0.5, "no numeric losses in the history", ha="center", va="center")
        ax.set_axis_off()
        return to_png(fig)
    fig, axes = grid(len(series), ncols=2, panel=(5.5, 3.2))
    for ax, (phase, curves) in zip(axes, series.items(), strict=True):
        for key, (steps, values) in curves.items():
            if len(values) > SMOOTH_ABOVE:
                (line,) = ax.plot(steps, values, lw=0.6, alpha=0.25)
                ax.plot(
                    steps,
                    _moving_average(values, len(values) // 50),
                    color=line.get_color(),
                    lw=1.4,
                    label=key,
                )
            else:
                ax.plot(steps, values, lw=1.2, label=key)
        if level is not None and any(is_discriminator_key(k) for k in curves):
            ax.axhline(level, color="black", ls="--", lw=1, label=f"D equilibrium ({level:.3g})")
        if "m_global" in curves:  # BEGAN has no equilibrium line: mark where its convergence measure got to
            best = float(np.min(curves["m_global"][1]))
            ax.axhline(best, color="grey", ls=":", lw=1, label=f"best M_global ({best:.3g}, lower = converged)")
        ax.set_title(phase)
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
    fig.suptitle("Training losses")
    return to_png(fig)


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centered moving average with the same length as `values` (edges average over fewer points)."""
    window = max(1, window)
    kernel = np.ones(window)
    return np.convolve(values, kernel, mode="same") / np.convolve(np.ones_like(values), kernel, mode="same")
