"""After training: the missing-indicator threshold that gives back the training data's missing rate.

The graph writes NaN where a missing-indicator channel exceeds a threshold. A fixed 0.5 turns any bias of
the generated indicator into a wrong missing rate (demo model: 8.5 % missing vs 5.0 % real, a cue a
classifier reads at once), and a sparse indicator is hard for a GAN to get exactly right in a short
budget. So each column's threshold is set to the (1 - missing rate) quantile of its generated indicator,
measured on sequences generated for the training data's own conditions and lengths with a fixed seed.
This matches the marginal rate by construction; which steps are missing is still the generator's choice.
"""

from __future__ import annotations

import numpy as np
import torch
from chronogan.training.data.encoded import EncodedData
from chronogan.training.models.codes import code_layout
from torch import nn

from chronogan.artifacts.schema import TableSchema

# Generated sequences used to place each threshold (the training data repeated up to this many).
CALIBRATION_SEQUENCES = 2000


@torch.no_grad()
def calibrate_missing_thresholds(networks: nn.Module, data: EncodedData, schema: TableSchema, seed: int) -> None:
    """Set `missing_threshold` on every temporal numeric column of `schema` that has a missing channel."""
    blocks = [b for b in data.layout.of_kind("missing")]
    if not blocks:
        return
    gen = torch.Generator().manual_seed(seed)
    reps = max(1, CALIBRATION_SEQUENCES // max(data.n_sequences, 1))
    cond = torch.from_numpy(np.ascontiguousarray(data.cond, dtype=np.float32)).repeat(reps, 1)
    lengths = torch.from_numpy(np.ascontiguousarray(data.lengths, dtype=np.int64)).repeat(reps)
    noise = torch.randn(len(lengths), data.max_len, int(networks.noise_dim), generator=gen)
    was_training = networks.training
    networks.eval()
    # InfoGAN models need codes: drawn from their priors, seeded, without touching the global RNG's stream.
    layout = code_layout(networks)
    codes = None
    if layout.dim:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            codes = layout.sample(len(lengths))
    x = networks.generate(noise, cond, lengths, codes).numpy()
    networks.train(was_training)
    valid = np.arange(data.max_len)[None, :] < lengths.numpy()[:, None]
    for block in blocks:
        spec = schema.column(block.column)
        values = x[:, :, block.start][valid]
        # `values > threshold` is missing: the (1 - rate) quantile leaves `rate` of the steps above it.
        threshold = float(np.quantile(values, 1.0 - spec.missing_rate))
        spec.missing_threshold = float(np.clip(threshold, 1e-6, 1.0 - 1e-6))
