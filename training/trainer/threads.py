"""Torch's intra-op thread count while training, restored afterwards so callers see no change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Use `count` threads inside the block (see `GANConfig.num_threads` for why the default is 1)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
