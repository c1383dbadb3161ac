"""State files: nested state round-trips through safetensors + JSON, with no pickle involved."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from chronogan.training.state_files import has_tree, load_tree, save_tree


def test_round_trip_of_mixed_tree_keeps_types_dtypes_and_shapes(tmp_path):
    tree = {
        "weights": {"a": torch.randn(3, 4), "b": torch.arange(5, dtype=torch.int64)},
        "flags": torch.tensor([True, False]),
        "scalar": torch.tensor(2.5, dtype=torch.float64),
        "by_int": {0: {"x": 1}, 1: None},  # optimiser state is keyed by int
        "betas": (0.9, 0.999),
        "items": [1, "two", 3.0, [torch.ones(2)], {"n": torch.zeros(1, 1)}],
        "big": 2**100,  # numpy PCG64 state holds 128-bit ints
        "tricky": {"__tensor__": "not a tensor"},  # a reserved marker used as a real key
        "a/b": torch.ones(1),  # "/" in keys must not collide with nesting
        "a": {"b": torch.zeros(1)},
    }
    save_tree(tmp_path, "state", tree)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "state.safetensors"]
    back = load_tree(tmp_path, "state")

    assert torch.equal(back["weights"]["a"], tree["weights"]["a"])
    assert back["weights"]["b"].dtype == torch.int64
    assert back["flags"].dtype == torch.bool and back["flags"].tolist() == [True, False]
    assert back["scalar"].shape == () and back["scalar"].dtype == torch.float64
    assert back["by_int"] == {0: {"x": 1}, 1: None}
    assert back["betas"] == (0.9, 0.999)
    assert back["items"][:3] == [1, "two", 3.0]
    assert torch.equal(back["items"][3][0], torch.ones(2))
    assert back["big"] == 2**100
    assert back["tricky"] == {"__tensor__": "not a tensor"}
    assert torch.equal(back["a/b"], torch.ones(1)) and torch.equal(back["a"]["b"], torch.zeros(1))
    assert has_tree(tmp_path, "state") and not has_tree(tmp_path, "other")


def test_adam_state_round_trip_continues_identically(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.LSTM(3, 4, batch_first=True)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.5, 0.99))
    x = torch.randn(2, 5, 3)
    for _ in range(3):
        opt.zero_grad()
        model(x)[0].pow(2).mean().backward()
        opt.step()
    save_tree(tmp_path, "ckpt", {"model": model.state_dict(), "opt": opt.state_dict()})

    state = load_tree(tmp_path, "ckpt")
    clone = torch.nn.LSTM(3, 4, batch_first=True)
    clone.load_state_dict(state["model"])
    clone_opt = torch.optim.Adam(clone.parameters(), lr=0.01)
    clone_opt.load_state_dict(state["opt"])
    assert clone_opt.param_groups[0]["betas"] == (0.5, 0.99)
    for m, o in ((model, opt), (clone, clone_opt)):
        o.zero_grad()
        m(x)[0].pow(2).mean().backward()
        o.step()
    for a, b in zip(model.parameters(), clone.parameters(), strict=True):
        assert torch.equal(a, b)


def test_json_part_is_plain_json_and_numpy_rng_state_round_trips(tmp_path):
    rng = np.random.default_rng(7)
    rng.random(3)
    save_tree(tmp_path, "rng", {"numpy": rng.bit_generator.state, "history": [{"step": 1, "loss": 0.5}]})
    json.loads((tmp_path / "rng.json").read_text())  # no pickle: the metadata is ordinary JSON
    fresh = np.random.default_rng(0)
    fresh.bit_generator.state = load_tree(tmp_path, "rng")["numpy"]
    assert fresh.random() == rng.random()


def test_mismatched_pair_from_two_saves_is_detected(tmp_path):
    save_tree(tmp_path / "one", "s", {"t": torch.ones(1)})
    save_tree(tmp_path / "two", "s", {"t": torch.zeros(1)})
    (tmp_path / "one" / "s.json").write_text((tmp_path / "two" / "s.json").read_text())
    with pytest.raises(ValueError, match="different saves"):
        load_tree(tmp_path / "one", "s")


def test_unsupported_values_and_missing_files_fail_clearly(tmp_path):
    with pytest.raises(TypeError, match="cannot save"):
        save_tree(tmp_path, "bad", {"x": object()})
    with pytest.raises(FileNotFoundError):
        load_tree(tmp_path, "absent")
