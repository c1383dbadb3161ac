"""TimeGAN predictive score (train on synthetic, test on real): one-step-ahead MAE of a post-hoc GRU.

Protocol of `metrics/predictive_metrics.py` (Yoon et al., NeurIPS 2019): a one-layer GRU (hidden =
floor(F/2)) with a sigmoid head reads features 0..F-2 at steps 0..T-2 and predicts feature F-1 at steps
1..T-1. It trains for 5,000 Adam steps (batch 128, L1 loss) on the synthetic set and is scored by MAE on
ALL real sequences (per-sequence MAE, averaged). Lower is better; the floor to compare with is the same
procedure trained on the real data itself (`predictive_train_on_real`).

For variable lengths the loss and the MAE count only valid targets (the reference pads, and its training
loss includes the padded positions); sequences shorter than 2 steps have no target and are skipped.
"""

from __future__ import annotations

import numpy as np
import torch
from chronogan.training.evaluation.posthoc import (
    STREAM_PREDICTIVE,
    PostHocGRU,
    adam,
    hidden_size,
    logits_in_chunks,
    repeat_generators,
    sample_batch,
)
from chronogan.training.evaluation.results import ScoreResult
from chronogan.training.evaluation.sequences import EvaluationInputError, Sequences, as_pair, as_sequences


def predictive_score(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    steps: int = 5000,
    repeats: int = 5,
    batch_size: int = 128,
    seed: int = 0,
) -> ScoreResult:
    """MAE on all real sequences of a predictor trained on the synthetic ones, over `repeats` runs."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    return _repeat(train=s, test=r, steps=steps, repeats=repeats, batch_size=batch_size, seed=seed)


def predictive_train_on_real(
    real: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    steps: int = 5000,
    repeats: int = 5,
    batch_size: int = 128,
    seed: int = 0,
) -> ScoreResult:
    """The same procedure trained on the real sequences: the floor a perfect generator would reach.

    Uses the same per-repeat seeds as `predictive_score`, so both start from identical networks and the
    difference between them is down to the training data.
    """
    r = as_sequences(real, lengths_real, name="real")
    return _repeat(train=r, test=r, steps=steps, repeats=repeats, batch_size=batch_size, seed=seed)


def _repeat(*, train: Sequences, test: Sequences, steps: int, repeats: int, batch_size: int, seed: int) -> ScoreResult:
    if train.n_features < 2:
        raise EvaluationInputError("the predictive score needs at least 2 features (inputs + a target feature)")
    if train.seq_len < 2 or not (train.lengths >= 2).any() or not (test.lengths >= 2).any():
        raise EvaluationInputError("the predictive score needs sequences of at least 2 steps")
    values = [
        predictive_run(train, test, steps=steps, batch_size=batch_size, generator=gen)
        for _, gen in repeat_generators(seed, repeats, STREAM_PREDICTIVE)
    ]
    return ScoreResult.of(values)


def predictive_run(
    train: Sequences, test: Sequences, *, steps: int, batch_size: int, generator: torch.Generator
) -> float:
    """One repeat: a fresh predictor trained on `train`; mean per-sequence MAE over usable `test` rows."""
    x_tr, y_tr, m_tr = _task(train)
    usable = torch.nonzero(m_tr.any(dim=1)).squeeze(1)
    model = PostHocGRU(train.n_features - 1, hidden_size(train.n_features), init="tf1", generator=generator)
    opt = adam(model)
    for _ in range(steps):
        idx = usable[sample_batch(len(usable), batch_size, generator)]
        pred = torch.sigmoid(model(x_tr[idx]))
        mask = m_tr[idx]
        loss = ((pred - y_tr[idx]).abs() * mask).sum() / mask.sum()  # mean over valid targets only
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    x_te, y_te, m_te = _task(test)
    err = (torch.sigmoid(logits_in_chunks(model, x_te)) - y_te).abs() * m_te
    counts = m_te.sum(dim=1)
    keep = counts > 0
    return float((err.sum(dim=1)[keep] / counts[keep]).mean())


def _task(seqs: Sequences) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(inputs [N, T-1, F-1], targets [N, T-1], valid-target mask [N, T-1] as float)."""
    x = torch.from_numpy(seqs.x)
    inputs = x[:, :-1, :-1]
    targets = x[:, 1:, -1]
    # Target step j+1 exists iff j + 1 < length.
    mask = (torch.arange(seqs.seq_len - 1)[None, :] < torch.from_numpy(seqs.lengths - 1)[:, None]).float()
    return inputs.contiguous(), targets.contiguous(), mask
