"""GAN networks. `build_networks(config, spec)` builds the class the model type registers
(`chronogan.training.registry`)."""

from __future__ import annotations

from chronogan.training.config import GANConfig
from chronogan.training.models.crnngan import CRNNGANNetworks
from chronogan.training.models.spec import DataSpec, resolve_conditioning
from chronogan.training.models.timegan import TimeGANNetworks
from chronogan.training.registry import entry_for_config
from torch import nn

Networks = TimeGANNetworks | CRNNGANNetworks


def build_networks(config: GANConfig, spec: DataSpec) -> nn.Module:
    """Fresh (randomly initialised with torch's global RNG) networks for `config` and the data `spec`."""
    return entry_for_config(config).build_networks(config, spec)


__all__ = ["build_networks", "DataSpec", "resolve_conditioning", "TimeGANNetworks", "CRNNGANNetworks", "Networks"]
