"""Training monitor: warns on discriminator and generator collapse, stops on divergence."""

from __future__ import annotations

import math

import torch
from chronogan.training.losses import adversarial_loss
from chronogan.training.monitor import TrainingMonitor, batch_diversity


def _record(step: int, d: float = 0.69, **losses: float) -> dict:
    """A flat history record; "d" is the discriminator loss per term."""
    return {"phase": "joint", "step": step, "elapsed_s": 1.0, "d": d, "g": 1.0, **losses}


def test_healthy_training_near_equilibrium_raises_nothing():
    logged: list[str] = []
    monitor = TrainingMonitor(adversarial_loss("bce"), logged.append, window=3)
    for step in range(20):
        out = monitor.observe(_record(step, d=0.69), 0.9)
        assert out["d_equilibrium"] == math.log(2) and "warnings" not in out
    assert monitor.warnings == [] and logged == [] and monitor.stop_reason is None


def test_discriminator_collapse_warns_once_after_a_sustained_window():
    logged: list[str] = []
    monitor = TrainingMonitor(adversarial_loss("bce"), logged.append, window=3, grace_records=0)
    assert "warnings" not in monitor.observe(_record(1, d=0.01))
    assert "warnings" not in monitor.observe(_record(2, d=0.01))
    out = monitor.observe(_record(3, d=0.01))
    assert "discriminator collapse" in out["warnings"][0]
    for step in range(4, 10):  # still collapsed: no repeat
        monitor.observe(_record(step, d=0.01))
    assert len(monitor.warnings) == 1 and len(logged) == 1 and logged[0].startswith("warning:")
    monitor.observe(_record(10, d=0.7))  # recovers: re-armed
    for step in range(11, 14):
        monitor.observe(_record(step, d=0.01))
    assert len(monitor.warnings) == 2
    assert monitor.stop_reason is None  # collapse warns, it does not stop training


def test_wgan_critic_dominance_uses_its_own_scale():
    monitor = TrainingMonitor(adversarial_loss("wgan-gp"), window=2, grace_records=0)
    for step in range(3):
        monitor.observe(_record(step, d=-0.5))  # normal critic values
    assert monitor.warnings == []
    for step in range(3, 5):
        monitor.observe(_record(step, d=-20.0))
    assert "discriminator collapse" in monitor.warnings[0]


def test_generator_collapse_from_low_diversity_after_a_grace_period():
    monitor = TrainingMonitor(adversarial_loss("bce"), window=2, grace_records=3)
    for step in range(1, 4):  # a phase's start is allowed to be lopsided
        monitor.observe(_record(step), 0.0)
    assert monitor.warnings == []
    monitor.observe(_record(4), 0.05)
    monitor.observe(_record(5), 0.05)
    assert len(monitor.warnings) == 1 and "generator collapse" in monitor.warnings[0]


def test_divergence_stops_on_non_finite_or_exploding_losses():
    monitor = TrainingMonitor(adversarial_loss("bce"))
    assert monitor.check_step("joint", 5, {"d": 1.0}) is None
    reason = monitor.check_step("joint", 6, {"d": float("nan")})
    assert reason is not None and "diverged" in reason and "'d'" in reason and "step 6" in reason

    monitor = TrainingMonitor(adversarial_loss("bce"), explode_factor=100.0, reference_records=2)
    monitor.observe(_record(1, g=2.0))
    monitor.observe(_record(2, g=3.0))
    monitor.observe(_record(3, g=250.0))  # under 100x the early size (and under 100x of 1)
    assert monitor.stop_reason is None
    monitor.observe(_record(4, g=1e6))
    assert monitor.stop_reason is not None and "'g'" in monitor.stop_reason


def test_state_round_trip_keeps_streaks():
    monitor = TrainingMonitor(adversarial_loss("bce"), window=3, grace_records=1)
    monitor.observe(_record(1, d=0.01))
    monitor.observe(_record(2, d=0.01))
    monitor.observe(_record(3, d=0.01))
    clone = TrainingMonitor(adversarial_loss("bce"), window=3, grace_records=1)
    clone.load_state_dict(monitor.state_dict())
    clone.observe(_record(3, d=0.01))
    assert len(clone.warnings) == 1


def test_batch_diversity():
    mask = torch.ones(4, 3)
    assert batch_diversity(torch.full((4, 3, 2), 0.3), mask) == 0.0
    x = torch.zeros(4, 3, 2)
    x[2:] = 1.0  # half zeros, half ones: std 0.5 everywhere
    assert abs(batch_diversity(x, mask) - 0.5) < 1e-6
    mask[:, 2] = 0.0
    x[:, 2] = torch.randn(4, 2) * 100  # padding is ignored
    assert abs(batch_diversity(x, mask) - 0.5) < 1e-6


def test_every_loss_has_an_equilibrium_or_says_it_has_none():
    from chronogan.training.losses import LOSS_CLASSES
    from chronogan.training.monitor import equilibrium_text

    for name in LOSS_CLASSES:
        text = equilibrium_text(adversarial_loss(name))
        if name == "began":
            assert "no fixed equilibrium" in text and "M_global" in text
        else:
            assert f"{adversarial_loss(name).equilibrium:.4g} per discriminator term" in text


def test_began_records_say_no_equilibrium_and_carry_m_global():
    logged: list[str] = []
    monitor = TrainingMonitor(adversarial_loss("began"), logged.append, window=3, grace_records=0)
    first = monitor.observe(_record(1, d=0.001, m_global=0.3, began_k=0.0))
    assert first["d_equilibrium"] is None and "no fixed equilibrium" in first["equilibrium"]
    assert first["m_global"] == 0.3 and "warnings" not in first  # a tiny "d" is no collapse for BEGAN
    second = monitor.observe(_record(2, d=0.001, m_global=0.2))
    assert "equilibrium" not in second and second["m_global"] == 0.2  # the note is said once per phase
    for step in range(3, 6):  # M_global rises to over twice its best (0.2) and stays there
        out = monitor.observe(_record(step, d=0.001, m_global=0.5))
    assert "M_global is 0.5" in out["warnings"][0] and len(monitor.warnings) == 1
    restored = TrainingMonitor(adversarial_loss("began"))
    restored.load_state_dict(monitor.state_dict())
    assert restored.state_dict() == monitor.state_dict()
