"""Score one synthetic set against held-out real data: the numbers of one row of the suite's table."""

from __future__ import annotations

from typing import Any

import numpy as np

SMALL_SET = 1000  # held-out sequences below this get more repeats: their scores are noisier


def default_repeats(n_heldout: int) -> int:
    return 10 if n_heldout < SMALL_SET else 5


def score(
    held: np.ndarray,
    lengths_held: np.ndarray,
    synth: np.ndarray,
    lengths_synth: np.ndarray,
    train: np.ndarray,
    lengths_train: np.ndarray,
    *,
    repeats: int,
    steps_scale: float,
    seed: int,
) -> dict[str, Any]:
    """disc (held-out real vs synthetic), its real-vs-real floor (held-out real vs as many training
    sequences: a generator that copied its training data exactly), pred, the train-on-real pred floor and
    the channel-relation diagnostics."""
    from chronogan.training.evaluation.discriminative import discriminative_floor, discriminative_score
    from chronogan.training.evaluation.predictive import predictive_score, predictive_train_on_real
    from chronogan.training.evaluation.statistics import (
        cross_correlation_difference,
        lagged_cross_correlation_difference,
    )
    from chronogan.training.quality import EVAL_THREADS
    from chronogan.training.trainer.threads import torch_threads

    disc_steps, pred_steps = max(1, int(2000 * steps_scale)), max(1, int(5000 * steps_scale))
    held_lens = {"lengths_real": lengths_held, "lengths_synth": lengths_synth}
    out: dict[str, Any] = {"disc_steps": disc_steps, "pred_steps": pred_steps, "repeats": repeats}
    with torch_threads(EVAL_THREADS):
        out["discriminative"] = discriminative_score(
            held, synth, **held_lens, steps=disc_steps, repeats=repeats, seed=seed
        ).to_dict()
        out["floor"] = discriminative_floor(
            held,
            lengths_real=lengths_held,
            reference=train,
            lengths_reference=lengths_train,
            n_synth=len(synth),
            steps=disc_steps,
            repeats=repeats,
            seed=seed,
        ).to_dict()
        if held.shape[2] >= 2 and held.shape[1] >= 2:
            out["predictive"] = predictive_score(
                held, synth, **held_lens, steps=pred_steps, repeats=repeats, seed=seed
            ).to_dict()
            out["predictive_train_on_real"] = predictive_train_on_real(
                held, lengths_real=lengths_held, steps=pred_steps, repeats=repeats, seed=seed
            ).to_dict()
    corr = cross_correlation_difference(held, synth, **held_lens)
    lagged = lagged_cross_correlation_difference(held, synth, **held_lens, lags=(1,))
    out["cross_correlation_sum_abs_diff"] = corr["sum_abs_diff"]
    out["lag1_cross_correlation_sum_abs_diff"] = (lagged["lags"].get("1") or {}).get("sum_abs_diff")
    out["cross_correlation"] = corr
    return out
