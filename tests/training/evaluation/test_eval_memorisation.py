import numpy as np
from chronogan.training.evaluation.datasets import sines
from chronogan.training.evaluation.memorisation import memorisation


def test_exact_copies_are_flagged() -> None:
    train = sines(200, 12, 3, seed=1)
    synth = sines(100, 12, 3, seed=2)
    synth[[5, 17]] = train[[40, 3]]
    out = memorisation(train, synth, seed=0)
    assert out["n_exact_copies"] == 2 and out["verdict"] == "copies"
    flagged = {(f["synthetic_index"], f["training_index"]) for f in out["flagged"]}
    assert flagged == {(5, 40), (17, 3)}  # found even when the copied row landed in the hold-out split


def test_fresh_samples_look_like_holdout() -> None:
    train, synth = sines(400, 12, 3, seed=1), sines(300, 12, 3, seed=2)
    out = memorisation(train, synth, seed=0)
    assert out["n_near_copies"] == 0 and out["verdict"] == "ok"
    assert out["fraction_closer_than_holdout_p1"] < 0.05
    assert out["n_holdout"] == 80 and out["n_reference"] == 320


def test_explicit_holdout_and_variable_lengths() -> None:
    rng = np.random.default_rng(0)
    train, synth, hold = sines(100, 10, 2, seed=1), sines(50, 10, 2, seed=2), sines(30, 10, 2, seed=3)
    out = memorisation(
        train,
        synth,
        holdout=hold,
        lengths_train=rng.integers(3, 11, 100),
        lengths_synth=rng.integers(3, 11, 50),
        lengths_holdout=rng.integers(3, 11, 30),
    )
    assert out["holdout_given"] and out["n_holdout"] == 30 and out["n_reference"] == 100


def test_near_copy_threshold() -> None:
    train = sines(100, 10, 2, seed=1)
    synth = train[:10] + 1e-4  # RMS gap 1e-4: a copy for any practical purpose
    out = memorisation(train, synth)
    assert out["n_exact_copies"] == 0 and out["n_near_copies"] == 10
