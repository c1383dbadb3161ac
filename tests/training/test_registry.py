"""The model-type registry is the one place that maps a model type to its classes."""

from __future__ import annotations

import pytest
from chronogan.training.config import CRNNGANConfig, TimeGANConfig, config_from_dict
from chronogan.training.estimator import CRNNGAN, TimeGAN
from chronogan.training.models import CRNNGANNetworks, DataSpec, TimeGANNetworks, build_networks
from chronogan.training.registry import MODEL_TYPES, entry_for_config, model_type_entry
from chronogan.training.trainer.crnngan import CRNNGANSteps
from chronogan.training.trainer.timegan import TimeGANSteps

from chronogan.artifacts.choices import MODEL_TYPE_NAMES
from chronogan.commands.train import add_parser


def test_every_model_type_resolves_to_its_four_classes() -> None:
    expected = {
        "timegan": (TimeGANConfig, TimeGANNetworks, TimeGANSteps, TimeGAN),
        "crnngan": (CRNNGANConfig, CRNNGANNetworks, CRNNGANSteps, CRNNGAN),
    }
    assert tuple(MODEL_TYPES) == MODEL_TYPE_NAMES == tuple(expected)
    for name, (config, networks, steps, estimator) in expected.items():
        entry = MODEL_TYPES[name]
        got = (entry.config, entry.networks_class(), entry.steps_class(), entry.estimator_class())
        assert got == (config, networks, steps, estimator)
        assert estimator.config_class is config and config.model_type == name


def test_unknown_model_type_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"model_type: expected one of \['crnngan', 'timegan'\], got 'gan'"):
        model_type_entry("gan")
    with pytest.raises(ValueError, match="model_type"):
        config_from_dict({"model_type": "gan"})


def test_build_networks_reads_the_registry(tiny_spec: DataSpec) -> None:
    assert type(build_networks(CRNNGANConfig(hidden_dim=4, num_layers=1), tiny_spec)) is CRNNGANNetworks
    assert entry_for_config(TimeGANConfig()) is MODEL_TYPES["timegan"]


def test_cli_offers_the_registered_model_types() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    model = next(a for a in parser._subparsers._group_actions[0].choices["train"]._actions if a.dest == "model_type")
    assert tuple(model.choices) == tuple(MODEL_TYPES)


@pytest.fixture
def tiny_spec() -> DataSpec:
    from tests.training.test_models import tiny_data

    return DataSpec.from_data(tiny_data(n=4, t=5))


def test_loss_names_are_the_implemented_losses() -> None:
    from chronogan.training.losses import LOSS_CLASSES

    from chronogan.artifacts.choices import LOSSES

    assert set(LOSS_CLASSES) == set(LOSSES)
