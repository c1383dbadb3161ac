"""Collapse check: do the generated sequences move over time the way unseen real ones do?

The gate's discriminative score trains a one-unit GRU for a few hundred steps; a classifier that weak
learns a shifted level first and a sequence that sits still in the middle of the data's range last. An
untrained TimeGAN outputs exactly that (sigmoid(~0): every step near the middle of each column's range):
on the gate's end-to-end data its sequences had a within-sequence spread of 0.005 against 0.31 for the
validation data, yet it scored 0.27 against 0.36 for a (poorly) trained version, and the gate promoted it.
Mode collapse is the classic GAN failure, so the gate measures it directly instead of hoping the
classifier does.

Per numeric value channel (the encoded [0, 1] scale): the mean over sequences of the standard deviation
over each sequence's valid steps, synthetic against real. Channels the real data hardly moves in (a
context value repeated on every step, a near-constant column) say nothing about collapse and are skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from chronogan.training.data.encoded import EncodedData

MIN_REAL_SPREAD = 0.01  # channels whose real within-sequence spread is below this are not judged
MIN_SPREAD_RATIO = 0.1  # synthetic spread below this share of the real one is a collapse


def within_sequence_spread(data: EncodedData, channel: int) -> float:
    """Mean over sequences (of at least 2 steps) of the std of `channel` over the sequence's valid steps."""
    values = [float(np.std(data.x[i, :n, channel])) for i, n in enumerate(data.lengths) if n >= 2]
    return float(np.mean(values)) if values else 0.0


def spread_check(real: EncodedData, synth: EncodedData, *, min_ratio: float = MIN_SPREAD_RATIO) -> dict[str, Any]:
    """Per numeric column: the real and synthetic within-sequence spread and their ratio; fails when any
    column the real data moves in is (nearly) flat in the synthetic sequences (JSON-able)."""
    rows = []
    for block in real.layout.of_kind("numeric"):
        r = within_sequence_spread(real, block.start)
        s = within_sequence_spread(synth, block.start)
        judged = r >= MIN_REAL_SPREAD
        rows.append(
            {"column": block.column, "real": r, "synthetic": s, "ratio": s / r if judged else None, "judged": judged}
        )
    flat = [row for row in rows if row["judged"] and row["ratio"] < min_ratio]
    reason = (
        "the generated sequences are nearly flat (an untrained or collapsed generator): within-sequence spread "
        + ", ".join(
            f"{row['column']!r} {row['synthetic']:.3f} against {row['real']:.3f} for unseen data" for row in flat
        )
        + f" (below {min_ratio:.0%} of it)"
        if flat
        else "the generated sequences move over time like unseen real ones"
    )
    ratios = [float(row["ratio"]) for row in rows if isinstance(row["ratio"], float)]
    return {
        "per_column": rows,
        "min_ratio": min(ratios) if ratios else None,
        "limit": min_ratio,
        "passed": not flat,
        "reason": reason,
    }
