"""Training loops: both models train, seeds reproduce, checkpoints resume, budgets hold, state is restored."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch
from chronogan.training.config import CRNNGANConfig, TimeGANConfig, config_from_dict
from chronogan.training.data.encoded import EncodedData
from chronogan.training.data.layout import LayoutBuilder
from chronogan.training.trainer import TrainOutcome, train_networks
from chronogan.training.trainer.base import StepResult
from chronogan.training.trainer.timegan import TimeGANSteps


def tiny_data(n: int = 48, t: int = 8, seed: int = 0) -> EncodedData:
    """A numeric block, a 3-way categorical block, a missing indicator, variable lengths, a condition."""
    rng = np.random.default_rng(seed)
    b = LayoutBuilder()
    b.add("price", "numeric")
    b.add("colour", "categorical", 3)
    b.add("price", "missing")
    cb = LayoutBuilder()
    cb.add("region", "categorical", 2)
    lengths = rng.integers(t // 2, t + 1, n)
    x = np.zeros((n, t, 5), np.float32)
    for i, length in enumerate(lengths):
        x[i, :length, 0] = 0.5 + 0.4 * np.sin(np.arange(length) / 2 + rng.uniform(0, 6))
        x[i, np.arange(length), 1 + rng.integers(0, 3, length)] = 1.0
        x[i, :length, 4] = rng.random(length) < 0.2
    cond = np.eye(2, dtype=np.float32)[rng.integers(0, 2, n)]
    return EncodedData(x, lengths.astype(np.int64), cond, b.build(), cb.build())


def small_timegan(**overrides) -> TimeGANConfig:
    settings = dict(
        hidden_dim=8,
        num_layers=2,
        batch_size=16,
        embedding_steps=6,
        supervised_steps=6,
        joint_steps=6,
        log_every=3,
        checkpoint_every=4,
    )
    return TimeGANConfig(**{**settings, **overrides})


def small_crnngan(**overrides) -> CRNNGANConfig:
    settings = dict(hidden_dim=8, num_layers=2, batch_size=16, steps=6, log_every=3)
    return CRNNGANConfig(**{**settings, **overrides})


def _weights(outcome: TrainOutcome) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in outcome.networks.state_dict().items()}


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_timegan_trains_all_three_phases_and_reports_history():
    data = tiny_data()
    config = small_timegan(embedding_steps=60, log_every=10)
    messages: list[str] = []
    before = torch.get_rng_state()
    torch.set_num_threads(2)  # a caller's setting, different from the config's 1
    outcome = train_networks(config, data, progress=False, log=messages.append)

    assert outcome.summary["steps"] == {"embedding": 60, "supervised": 6, "joint": 6}
    assert outcome.stopped_early_reason is None and not outcome.networks.training
    recon = [r["recon"] for r in outcome.history if r["phase"] == "embedding"]
    assert len(recon) == 6 and recon[-1] < recon[0]  # the autoencoder learns
    joint = [r for r in outcome.history if r["phase"] == "joint"]
    assert [r["step"] for r in joint] == [6]  # a last record closes a phase between log steps
    assert {"d", "g_adv", "g_adv_latent", "g_supervised", "g_moments", "recon"} <= joint[-1].keys()
    assert joint[-1]["monitor"]["d_equilibrium"] == pytest.approx(np.log(2))
    assert all({"phase", "step", "elapsed_s"} <= r.keys() for r in outcome.history)
    json.dumps(outcome.history)
    assert set(outcome.summary["final_losses"]) == {"embedding", "supervised", "joint"}
    assert outcome.summary["warnings"] == [] or isinstance(outcome.summary["warnings"][0], str)
    assert any(m.startswith("joint:") for m in messages)
    # the caller's global state is left alone
    assert torch.equal(torch.get_rng_state(), before) and torch.get_num_threads() == 2


def test_crnngan_trains_and_its_losses_move():
    data = tiny_data()
    outcome = train_networks(small_crnngan(steps=30, log_every=10), data, progress=False)
    d = [r["d"] for r in outcome.history]
    assert len(d) == 3 and d[0] != d[-1]
    assert "g_adv" in outcome.history[-1] and "g_feature_matching" not in outcome.history[-1]
    matched = train_networks(small_crnngan(steps=10, log_every=10, feature_matching=True), data, progress=False)
    assert "g_feature_matching" in matched.history[-1]
    fresh = train_networks(small_crnngan(steps=0), data, progress=False)
    assert not _same(_weights(outcome), _weights(fresh))


@pytest.mark.parametrize("loss", ["lsgan", "wgan-gp", "hinge"])
def test_every_adversarial_loss_trains_both_models(loss):
    data = tiny_data()
    for config in (
        small_timegan(loss=loss, embedding_steps=1, supervised_steps=1, joint_steps=2, log_every=1),
        small_crnngan(loss=loss, steps=2, log_every=1, conditioning="acgan", feature_matching=False),
    ):
        outcome = train_networks(config, data, progress=False)
        assert outcome.stopped_early_reason is None
        last = outcome.history[-1]
        assert all(np.isfinite(v) for k, v in last.items() if k not in ("phase", "monitor"))
        assert ("gp" in last) == (loss == "wgan-gp")
        assert ("aux_real" in last) == isinstance(config, CRNNGANConfig)  # ACGAN classifier losses


def test_same_seed_gives_same_weights_and_other_seed_does_not():
    data = tiny_data()
    a = _weights(train_networks(small_timegan(), data, progress=False))
    b = _weights(train_networks(small_timegan(), data, progress=False))
    c = _weights(train_networks(small_timegan(seed=1), data, progress=False))
    assert _same(a, b) and not _same(a, c)


def test_resume_continues_the_step_count_and_matches_an_uninterrupted_run(tmp_path):
    data = tiny_data()
    first = train_networks(small_timegan(joint_steps=3), data, progress=False, checkpoint_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json", "checkpoint.safetensors"]
    messages: list[str] = []
    resumed = train_networks(
        small_timegan(joint_steps=6), data, progress=False, checkpoint_dir=tmp_path, resume=True, log=messages.append
    )
    assert any("resumed" in m for m in messages)
    assert resumed.summary["steps"] == {"embedding": 6, "supervised": 6, "joint": 6}
    joint_steps = [r["step"] for r in resumed.history if r["phase"] == "joint"]
    assert joint_steps == [3, 6]  # the history carries on from the checkpoint's
    assert len(resumed.history) == len(first.history) + 1
    straight = train_networks(small_timegan(joint_steps=6), data, progress=False)
    assert _same(_weights(resumed), _weights(straight))

    with pytest.raises(ValueError, match="different model"):
        train_networks(small_timegan(hidden_dim=4), data, progress=False, checkpoint_dir=tmp_path, resume=True)


def test_resume_without_checkpoint_starts_afresh(tmp_path):
    messages: list[str] = []
    outcome = train_networks(
        small_crnngan(steps=2),
        tiny_data(),
        progress=False,
        checkpoint_dir=tmp_path / "new",
        resume=True,
        log=messages.append,
    )
    assert outcome.summary["steps"] == {"adversarial": 2}
    assert any("no checkpoint" in m for m in messages)


def test_time_budget_is_a_hard_limit():
    config = small_timegan(embedding_steps=10**6, supervised_steps=10**6, joint_steps=10**6, max_minutes=0.02)
    started = time.monotonic()
    outcome = train_networks(config, tiny_data(), progress=False)
    assert time.monotonic() - started < 1.2 + 1.0
    assert outcome.summary["seconds"]["total"] <= 1.2 + 0.3
    steps = outcome.summary["steps"]
    assert all(steps[p] > 0 for p in ("embedding", "supervised", "joint"))  # every phase got its share
    assert outcome.summary["ended_by"]["joint"] == "time budget"


def test_warm_start_starts_from_the_given_weights_and_leaves_them_untouched():
    data = tiny_data()
    trained = train_networks(small_crnngan(steps=5), data, progress=False)
    before = _weights(trained)
    warm = train_networks(small_crnngan(steps=0, seed=3), data, networks=trained.networks, progress=False)
    assert _same(_weights(warm), before) and warm.networks is not trained.networks
    train_networks(small_crnngan(steps=3), data, networks=trained.networks, progress=False)
    assert _same(_weights(trained), before)
    with pytest.raises(ValueError, match="warm start"):
        train_networks(small_timegan(), data, networks=trained.networks, progress=False)


def test_divergence_stops_early_with_a_reason(monkeypatch):
    monkeypatch.setattr(TimeGANSteps, "_supervised_step", lambda self: StepResult({"supervised": float("nan")}))
    outcome = train_networks(small_timegan(), tiny_data(), progress=False)
    assert outcome.stopped_early_reason is not None and "diverged" in outcome.stopped_early_reason
    assert outcome.summary["steps"] == {"embedding": 6, "supervised": 1, "joint": 0}
    assert outcome.summary["warnings"] and outcome.history[-1]["supervised"] is None  # NaN is not JSON


def test_progress_false_is_silent_and_true_draws_a_bar(capsys):
    train_networks(small_crnngan(steps=2), tiny_data(), progress=False)
    assert capsys.readouterr().err == ""
    train_networks(small_crnngan(steps=2), tiny_data(), progress=True)
    assert "adversarial" in capsys.readouterr().err


def test_config_round_trips_through_json_and_rejects_unknown_keys_and_bad_values():
    for config in (TimeGANConfig(loss="hinge", max_minutes=2.5), CRNNGANConfig(cell="gru", betas=(0.0, 0.9))):
        doc = json.loads(json.dumps(config.to_dict()))
        assert doc["model_type"] == config.model_type
        assert config_from_dict(doc) == config and type(config).from_dict(doc) == config
    with pytest.raises(ValueError, match="'hiden_dim'"):
        TimeGANConfig.from_dict({"hiden_dim": 24})
    with pytest.raises(ValueError, match="model_type"):
        TimeGANConfig.from_dict(CRNNGANConfig().to_dict())
    for field, value in [
        ("loss", "minimax"),
        ("hidden_dim", 0),
        ("cell", "rnn"),
        ("max_minutes", -1.0),
        ("conditioning", "yes"),
        ("betas", (0.9,)),
        ("batch_size", 1.5),
    ]:
        with pytest.raises(ValueError, match=f"'{field}'"):
            TimeGANConfig(**{field: value})
    with pytest.raises(ValueError, match="'d_steps'"):
        CRNNGANConfig(d_steps=0)


def test_generator_comes_back_with_averaged_weights_and_training_is_unchanged():
    data = tiny_data()
    averaged = _weights(train_networks(small_crnngan(steps=10), data, progress=False))
    last = _weights(train_networks(small_crnngan(steps=10, ema_decay=None), data, progress=False))
    discriminator = [k for k in averaged if k.startswith("discriminator.")]
    generator = [k for k in averaged if k.startswith("generator_")]
    assert discriminator and all(torch.equal(averaged[k], last[k]) for k in discriminator)
    assert generator and not all(torch.equal(averaged[k], last[k]) for k in generator)
