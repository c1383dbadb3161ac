"""Torch's intra-op thread count while training, restored afterwards so callers see no change."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(requested: int | None) -> Iterator[int]:
    """Use `requested` threads, or min(2, cores): the networks are small (hidden ~24-64, batch 128), so
    beyond two threads the per-op synchronisation costs more than the extra cores give back."""
    previous = torch.get_num_threads()
    wanted = requested or max(1, min(2, os.cpu_count() or 1))
    torch.set_num_threads(wanted)
    try:
        yield wanted
    finally:
        torch.set_num_threads(previous)
