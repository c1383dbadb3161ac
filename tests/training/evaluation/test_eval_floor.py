"""The packed classifier and the real-vs-real floor: padding is never a cue, a wrong length distribution is,
and a copy of the real data scores at the floor."""

from __future__ import annotations

import numpy as np
import torch
from chronogan.training.evaluation.discriminative import discriminative_floor, discriminative_score
from chronogan.training.evaluation.posthoc import PostHocGRU

FAST = {"steps": 300, "repeats": 3, "seed": 0}


def _walks(n: int = 200, t: int = 20, f: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = (0.5 + 0.05 * rng.normal(size=(n, t, f)).cumsum(axis=1)).astype(np.float32)
    lengths = rng.integers(t // 2, t + 1, size=n)
    x[np.arange(t)[None, :] >= lengths[:, None]] = 0.0
    return x, lengths


def test_packed_classifier_reads_each_sequence_at_its_own_length_whatever_the_padding() -> None:
    x, lengths = _walks(n=8)
    model = PostHocGRU(2, 1, init="keras", generator=torch.Generator().manual_seed(0))
    garbage = x.copy()
    garbage[np.arange(x.shape[1])[None, :] >= lengths[:, None]] = 7.0  # padding that is not zeros
    longer = np.concatenate([x, np.full((8, 30, 2), -3.0, dtype=np.float32)], axis=1)  # and more of it
    lens = torch.from_numpy(lengths)
    with torch.no_grad():
        base = model.final_logits(torch.from_numpy(x), lens)
        assert torch.allclose(base, model.final_logits(torch.from_numpy(garbage), lens))
        assert torch.allclose(base, model.final_logits(torch.from_numpy(longer), lens))
        # ...while the length itself is read: the same content cut shorter gives other logits.
        assert not torch.allclose(base, model.final_logits(torch.from_numpy(x), lens - 3))


def test_identical_data_with_other_padding_scores_at_the_floor() -> None:
    x, lengths = _walks()
    copy = x.copy()
    copy[np.arange(x.shape[1])[None, :] >= lengths[:, None]] = 0.9
    disc = discriminative_score(x, copy, lengths_real=lengths, lengths_synth=lengths, **FAST)
    floor = discriminative_floor(x, lengths_real=lengths, **FAST)
    assert disc.mean < 0.12 and floor.mean < 0.15
    assert abs(disc.mean - floor.mean) < 0.1
    assert len(disc.values) == 3 and disc.se >= 0.0


def test_a_wrong_length_distribution_is_detected_far_above_the_floor() -> None:
    x, lengths = _walks()
    short = np.maximum(1, lengths // 3)  # same content, cut to a third
    cut = x.copy()
    cut[np.arange(x.shape[1])[None, :] >= short[:, None]] = 0.0
    disc = discriminative_score(x, cut, lengths_real=lengths, lengths_synth=short, **FAST)
    floor = discriminative_floor(x, lengths_real=lengths, **FAST)
    assert disc.mean > 0.3 > floor.mean


def test_floor_against_a_reference_uses_as_many_reference_sequences_as_synthetic_ones() -> None:
    x, lengths = _walks(n=300)
    held, train = x[:60], x[60:]
    floor = discriminative_floor(
        held, lengths_real=lengths[:60], reference=train, lengths_reference=lengths[60:], n_synth=60, **FAST
    )
    assert 0.0 <= floor.mean < 0.2 and len(floor.values) == 3
    # A reference from another distribution is no floor at all: it scores like a bad generator.
    far = discriminative_floor(
        held, lengths_real=lengths[:60], reference=train + 0.4, lengths_reference=lengths[60:], **FAST
    )
    assert far.mean > 0.3
