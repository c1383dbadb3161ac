import numpy as np
import pytest
from chronogan.training.evaluation.datasets import sines
from chronogan.training.evaluation.history import history_summary, is_discriminator_key, resolve_equilibrium
from chronogan.training.evaluation.plots import acf_plot, marginal_histograms, pca_plot, sample_trajectories, tsne_plot
from chronogan.training.evaluation.training_plots import loss_curves

PNG = b"\x89PNG\r\n\x1a\n"


def test_data_plots_return_png() -> None:
    real, synth = sines(60, 10, 3, seed=1), sines(50, 10, 3, seed=2)
    rng = np.random.default_rng(0)
    lens = {"lengths_real": rng.integers(2, 11, 60), "lengths_synth": rng.integers(2, 11, 50)}
    for png in (
        pca_plot(real, synth, **lens),
        tsne_plot(real, synth, **lens, max_samples=40),
        marginal_histograms(real, synth, **lens, feature_names=["a", "b", "c"]),
        sample_trajectories(real, synth, **lens),
        acf_plot(real, synth, **lens),
    ):
        assert png.startswith(PNG) and len(png) > 1000


def test_many_features_are_capped_not_crashing() -> None:
    x = np.random.default_rng(0).random((20, 6, 30)).astype(np.float32)
    assert marginal_histograms(x, x).startswith(PNG)


def test_loss_curves_and_summary() -> None:
    history = [{"phase": "embed", "step": i, "e_loss": 1 / (i + 1)} for i in range(10)]
    history += [{"phase": "joint", "step": i, "g_loss": 1.0, "d_loss": 0.6, "lr": 1e-3} for i in range(300)]
    assert loss_curves(history, equilibrium="bce").startswith(PNG)
    assert loss_curves([], equilibrium=None).startswith(PNG)
    summary = history_summary(history, equilibrium="lsgan")
    assert summary["equilibrium"] == 0.25
    assert "lr" not in summary["phases"]["joint"]
    assert summary["phases"]["joint"]["d_loss"]["tail_gap_from_equilibrium"] == pytest.approx(0.35)
    assert "tail_gap_from_equilibrium" not in summary["phases"]["joint"]["g_loss"]


def test_began_history_reports_m_global_instead_of_an_equilibrium() -> None:
    history = [{"phase": "joint", "step": i, "d": 0.01, "m_global": 0.5 - i / 100, "began_k": 0.01} for i in range(20)]
    summary = history_summary(history, equilibrium="began")
    assert summary["equilibrium"] is None
    assert summary["m_global"]["last"] == pytest.approx(0.31) and summary["m_global"]["tail_mean"] < 0.33
    assert "tail_gap_from_equilibrium" not in summary["phases"]["joint"]["d"]
    assert loss_curves(history, equilibrium="began").startswith(PNG)
    assert "m_global" not in history_summary([{"phase": "joint", "step": 1, "d": 0.7}], equilibrium="bce")


def test_equilibrium_and_discriminator_keys() -> None:
    assert resolve_equilibrium("bce") == np.log(2) and resolve_equilibrium(1.386) == 1.386
    assert resolve_equilibrium(None) is None
    # every trainer loss: its own equilibrium, or none (BEGAN)
    assert resolve_equilibrium("dragan") == resolve_equilibrium("infogan") == np.log(2)
    assert resolve_equilibrium("hinge") == 1.0 and resolve_equilibrium("wgan-gp") == 0.0
    assert resolve_equilibrium("began") is None
    with pytest.raises(Exception, match="unknown equilibrium"):
        resolve_equilibrium("minimax")
    assert all(map(is_discriminator_key, ["d_loss", "loss_d", "D", "disc", "discriminator_loss"]))
    assert not any(map(is_discriminator_key, ["g_loss", "e_loss", "dropout"]))
