"""TimeGAN discriminative score: how well a post-hoc GRU tells real from synthetic on held-out data.

Protocol of `metrics/discriminative_metrics.py` (Yoon et al., NeurIPS 2019): split each set 80/20, train a
one-layer GRU (hidden = floor(F/2)) + linear logit for 2,000 Adam steps, each on 128 real + 128 synthetic
sequences with loss BCE(real, 1) + BCE(synthetic, 0), then score |accuracy - 0.5| on both test parts.
0 means the classifier is at chance (ideal); 0.5 means it separates the two perfectly.

One deliberate difference: the reference reads the GRU state after the *padded* end; we feed each
sequence packed (`PostHocGRU.final_logits`) and read the state after its own last step, so padding can
never be a cue, while a wrong distribution of lengths still is: on variable-length data every step also
carries its position t/T as one more input (fixed-length data keeps the reference's inputs exactly).

`discriminative_floor` scores real against real with the same classifier and budget: what the score reads
when the two sides really come from one distribution (finite test sets keep it above 0). A score is only
meaningful beside it.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from chronogan.training.evaluation.posthoc import (
    STREAM_DISCRIMINATIVE,
    STREAM_FLOOR,
    PostHocGRU,
    adam,
    final_logits_in_chunks,
    hidden_size,
    repeat_generators,
    sample_batch,
    split_indices,
)
from chronogan.training.evaluation.results import ScoreResult
from chronogan.training.evaluation.sequences import EvaluationInputError, Sequences, as_pair, as_sequences


def discriminative_score(
    real: np.ndarray,
    synth: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    lengths_synth: np.ndarray | None = None,
    steps: int = 2000,
    repeats: int = 5,
    batch_size: int = 128,
    seed: int = 0,
) -> ScoreResult:
    """|held-out accuracy - 0.5| of a post-hoc GRU classifier, over `repeats` independent runs."""
    r, s = as_pair(real, synth, lengths_real, lengths_synth)
    if min(r.n, s.n) < 2:
        raise EvaluationInputError("the discriminative score needs at least 2 real and 2 synthetic sequences")
    values = [
        discriminative_run(r, s, steps=steps, batch_size=batch_size, rng=rng, generator=gen)
        for rng, gen in repeat_generators(seed, repeats, STREAM_DISCRIMINATIVE)
    ]
    return ScoreResult.of(values)


def discriminative_floor(
    real: np.ndarray,
    *,
    lengths_real: np.ndarray | None = None,
    reference: np.ndarray | None = None,
    lengths_reference: np.ndarray | None = None,
    n_synth: int | None = None,
    steps: int = 2000,
    repeats: int = 5,
    batch_size: int = 128,
    seed: int = 0,
) -> ScoreResult:
    """The real-vs-real floor of `discriminative_score(real, synth)`.

    With a `reference` (the real sequences the model trained on, when `real` is a held-out part): `real`
    against `n_synth` reference sequences drawn afresh each repeat, i.e. the score of a generator that
    reproduced its training data exactly. Without one: two random halves of `real` against each other.
    """
    r = as_sequences(real, lengths_real, name="real")
    ref = None if reference is None else as_sequences(reference, lengths_reference, name="reference")
    if ref is not None and ref.x.shape[1:] != r.x.shape[1:]:
        raise EvaluationInputError(
            f"reference must share [steps, features] with real: {ref.x.shape[1:]} vs {r.x.shape[1:]}"
        )
    if ref is None and r.n < 4:
        raise EvaluationInputError("the real-vs-real floor needs at least 4 real sequences (two halves of 2)")
    values = []
    for rng, gen in repeat_generators(seed, repeats, STREAM_FLOOR):
        if ref is None:
            idx = rng.permutation(r.n)
            a, b = r.subset(idx[: r.n // 2]), r.subset(idx[r.n // 2 :])
        else:
            a = r
            b = ref.subset(rng.permutation(ref.n)[: min(ref.n, n_synth or r.n)])
        values.append(discriminative_run(a, b, steps=steps, batch_size=batch_size, rng=rng, generator=gen))
    return ScoreResult.of(values)


def discriminative_run(
    real: Sequences,
    synth: Sequences,
    *,
    steps: int,
    batch_size: int,
    rng: np.random.Generator,
    generator: torch.Generator,
) -> float:
    """One repeat: fresh split, fresh classifier. Returns |accuracy - 0.5| on the test parts."""
    r_train, r_test = split_indices(real.n, rng)
    s_train, s_test = split_indices(synth.n, rng)
    with_position = real.variable_length or synth.variable_length
    xr, lr = _tensors(real, with_position)
    xs, ls = _tensors(synth, with_position)
    n_in = xr.shape[2]
    model = PostHocGRU(n_in, hidden_size(real.n_features), init="keras", generator=generator)
    opt = adam(model)
    for _ in range(steps):
        ir = torch.from_numpy(r_train)[sample_batch(len(r_train), batch_size, generator)]
        is_ = torch.from_numpy(s_train)[sample_batch(len(s_train), batch_size, generator)]
        # One GRU call over both halves halves the per-op overhead that dominates these tiny networks on CPU.
        logits = model.final_logits(torch.cat([xr[ir], xs[is_]]), torch.cat([lr[ir], ls[is_]]))
        real_logits, fake_logits = logits[: len(ir)], logits[len(ir) :]
        loss = F.binary_cross_entropy_with_logits(
            real_logits, torch.ones_like(real_logits)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    rt, st = torch.from_numpy(r_test), torch.from_numpy(s_test)
    real_pred = final_logits_in_chunks(model, xr[rt], lr[rt]) > 0  # sigmoid(logit) > 0.5
    fake_pred = final_logits_in_chunks(model, xs[st], ls[st]) > 0
    correct = int(real_pred.sum()) + int((~fake_pred).sum())
    accuracy = correct / (len(r_test) + len(s_test))
    return abs(accuracy - 0.5)


def _tensors(seqs: Sequences, with_position: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and lengths. With `with_position` (variable-length data) each step also carries its position
    t / T: a one-unit GRU cannot count steps from the values alone, so without it a generator whose
    lengths are all wrong went unnoticed (measured: 0.06 for sequences cut to a third of their length)."""
    x = seqs.x
    if with_position:
        position = np.broadcast_to(
            (np.arange(seqs.seq_len, dtype=np.float32) / seqs.seq_len)[None, :, None], (seqs.n, seqs.seq_len, 1)
        )
        x = np.concatenate([x, position], axis=2)
    return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(seqs.lengths)
