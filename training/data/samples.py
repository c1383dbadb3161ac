"""Sample data the project generates itself (the product never needs files outside the repo).

`energy_meters`: many entities of variable length with every column kind chronogan supports: a sequence
key, an hourly time column, a categorical and a numeric context column, continuous, integer and categorical
temporal columns, and missing values. Deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def energy_meters(n_entities: int = 120, seed: int = 0, min_len: int = 30, max_len: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    regions = ["north", "south", "east", "west"]
    rows = []
    for i in range(n_entities):
        region = regions[rng.integers(len(regions))]
        capacity = float(rng.choice([5.0, 7.5, 10.0, 15.0]))
        length = int(rng.integers(min_len, max_len + 1))
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=int(rng.integers(0, 24 * 60)))
        phase = rng.uniform(0, 2 * np.pi)
        base = {"north": 12.0, "south": 24.0, "east": 18.0, "west": 16.0}[region]
        temp = base + 6 * np.sin(np.arange(length) * 2 * np.pi / 24 + phase) + rng.normal(0, 0.8, length)
        load = np.clip(
            capacity * (0.5 + 0.3 * np.cos(np.arange(length) * 2 * np.pi / 24 + phase)) + rng.normal(0, 0.3, length),
            0,
            None,
        )
        for t in range(length):
            status = "fail" if load[t] > 0.95 * capacity else ("warn" if load[t] > 0.75 * capacity else "ok")
            rows.append(
                {
                    "meter_id": f"M{i:04d}",
                    "timestamp": (start + pd.Timedelta(hours=t)).isoformat(),
                    "region": region,
                    "capacity_kw": capacity,
                    "temperature_c": round(float(temp[t]), 2),
                    "load_kw": round(float(load[t]), 3) if rng.random() > 0.05 else np.nan,
                    "occupants": int(rng.poisson(2 + (t % 24 > 7) * 2)),
                    "status": status,
                }
            )
    return pd.DataFrame(rows)
