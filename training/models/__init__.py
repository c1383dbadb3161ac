"""GAN networks. `build_networks(config, spec)` picks the class from the config's model type."""

from __future__ import annotations

from chronogan.training.config import CRNNGANConfig, GANConfig, TimeGANConfig
from chronogan.training.models.crnngan import CRNNGANNetworks
from chronogan.training.models.spec import DataSpec, resolve_conditioning
from chronogan.training.models.timegan import TimeGANNetworks

Networks = TimeGANNetworks | CRNNGANNetworks


def build_networks(config: GANConfig, spec: DataSpec) -> Networks:
    """Fresh (randomly initialised with torch's global RNG) networks for `config` and the data `spec`."""
    if isinstance(config, TimeGANConfig):
        return TimeGANNetworks(config, spec)
    if isinstance(config, CRNNGANConfig):
        return CRNNGANNetworks(config, spec)
    raise TypeError(f"no networks for config type {type(config).__name__}")


__all__ = ["build_networks", "DataSpec", "resolve_conditioning", "TimeGANNetworks", "CRNNGANNetworks", "Networks"]
