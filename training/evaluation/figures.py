"""Matplotlib plumbing shared by the plot modules: figures straight on the Agg canvas, PNG bytes out.

`matplotlib.figure.Figure` + `FigureCanvasAgg` instead of pyplot: no global figure registry to leak or
clean up, no backend switch, and safe to call from the service's worker threads.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

REAL_COLOR = "tab:blue"
SYNTH_COLOR = "tab:orange"
MAX_PANELS = 12  # one-hot encodings can have dozens of channels; beyond this a grid stops being readable


def grid(n_panels: int, *, ncols: int = 4, panel: tuple[float, float] = (3.2, 2.4)) -> tuple[Figure, list[Axes]]:
    """A figure with `n_panels` axes in rows of `ncols` (spare cells hidden)."""
    ncols = max(1, min(ncols, n_panels))
    nrows = -(-n_panels // ncols)
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel())
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


def to_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def shown_features(n_features: int) -> list[int]:
    return list(range(min(n_features, MAX_PANELS)))


def panels_note(n_features: int) -> str:
    """Suffix for a title when only the first MAX_PANELS features are drawn."""
    return f" (first {MAX_PANELS} of {n_features} features)" if n_features > MAX_PANELS else ""
