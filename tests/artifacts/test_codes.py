"""InfoGAN code specs, validation and sampling, torch-free (what the service and CLI use)."""

from __future__ import annotations

import numpy as np
import pytest

from chronogan.artifacts.codes import code_dim, code_specs, sample_codes, validate_codes
from chronogan.artifacts.errors import UserInputError

SPECS = code_specs([3, 2], 1)


def test_specs_are_named_in_layout_order():
    assert [(s.name, s.kind, s.width) for s in SPECS] == [
        ("cat0", "categorical", 3),
        ("cat1", "categorical", 2),
        ("cont0", "continuous", 1),
    ]
    assert code_dim(SPECS) == 6 and code_dim(code_specs([], 0)) == 0


def test_validation_accepts_good_values_and_names_every_bad_one():
    assert validate_codes(SPECS, {"cat0": 2, "cat1": 0.0, "cont0": -1}) == {"cat0": 2, "cat1": 0, "cont0": -1.0}
    assert validate_codes(SPECS, None) == {} and validate_codes(code_specs([], 0), {}) == {}
    with pytest.raises(UserInputError) as info:
        validate_codes(SPECS, {"cat0": 3, "cat1": True, "cont0": float("nan"), "colour": 1})
    assert info.value.field == "codes" and len(info.value.problems) == 4
    text = str(info.value)
    for expected in ("'cat0': 3", "'cat1': True", "'cont0': nan", "'colour' is not a latent code"):
        assert expected in text
    with pytest.raises(UserInputError, match="not trained with --loss infogan"):
        validate_codes(code_specs([], 0), {"cat0": 1})
    with pytest.raises(UserInputError, match="must be an object"):
        validate_codes(SPECS, [("cat0", 1)])  # type: ignore[arg-type]


def test_sampling_fixes_what_is_given_and_draws_the_rest_from_the_priors():
    rng = np.random.default_rng(0)
    codes = sample_codes(SPECS, 4000, rng, {"cat1": 1})
    assert codes.shape == (4000, 6) and codes.dtype == np.float32
    assert (codes[:, :3].sum(1) == 1).all() and np.allclose(codes[:, :3].mean(0), 1 / 3, atol=0.03)
    assert (codes[:, 3:5] == [0.0, 1.0]).all()  # fixed: category 1 of cat1
    assert codes[:, 5].min() >= -1 and codes[:, 5].max() <= 1 and abs(codes[:, 5].mean()) < 0.05
    again = sample_codes(SPECS, 4000, np.random.default_rng(0), {"cat1": 1})
    assert np.array_equal(codes, again)  # same RNG state -> same codes
    assert sample_codes(code_specs([], 0), 3, rng, {}).shape == (3, 0)
