"""InfoGAN latent codes as generation inputs: their specs (in the manifest), validation and sampling.

A model trained with `loss="infogan"` takes, beside the noise, one code vector per sequence: a one-hot
block per categorical code (uniform prior), then one value per continuous code (uniform prior on
[low, high]). Callers may fix some codes (`--code cat0=1`, `"codes": {"cat0": 1}`); the others are
drawn. Codes are named `cat0, cat1, ...` and `cont0, cont1, ...` in that order, the layout of the vector.
Torch-free: the service and the CLI use it; the trainer samples the same priors with torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from chronogan.artifacts.errors import UserInputError

CONTINUOUS_RANGE = (-1.0, 1.0)


class CodeSpec(BaseModel):
    """One latent code: `categories` values 0..categories-1, or a number in [low, high]."""

    name: str
    kind: Literal["categorical", "continuous"]
    categories: int | None = None
    low: float | None = None
    high: float | None = None

    @property
    def width(self) -> int:
        return int(self.categories or 0) if self.kind == "categorical" else 1


def code_specs(categorical: Sequence[int], continuous: int) -> list[CodeSpec]:
    specs = [CodeSpec(name=f"cat{i}", kind="categorical", categories=int(k)) for i, k in enumerate(categorical)]
    low, high = CONTINUOUS_RANGE
    specs += [CodeSpec(name=f"cont{i}", kind="continuous", low=low, high=high) for i in range(continuous)]
    return specs


def code_dim(specs: Sequence[CodeSpec]) -> int:
    return sum(s.width for s in specs)


def describe(spec: CodeSpec) -> str:
    if spec.kind == "categorical":
        return f"{spec.name}: an integer from 0 to {int(spec.categories or 0) - 1}"
    return f"{spec.name}: a number from {spec.low:g} to {spec.high:g}"


def validate_codes(specs: Sequence[CodeSpec], codes: Mapping[str, Any] | None) -> dict[str, int | float]:
    """Check user-fixed codes against the model's specs; every problem is reported, naming the code."""
    if not codes:
        return {}
    if not isinstance(codes, Mapping):
        raise UserInputError("codes must be an object mapping code names to values", field="codes")
    known = {s.name: s for s in specs}
    problems: list[str] = []
    clean: dict[str, int | float] = {}
    for name, value in codes.items():
        spec = known.get(name)
        if spec is None:
            listed = "; ".join(describe(s) for s in specs) or "none: this model was not trained with --loss infogan"
            problems.append(f"code '{name}' is not a latent code of this model (codes: {listed})")
            continue
        number = value if _is_number(value) else None
        if spec.kind == "categorical":
            if number is None or float(number) != int(number) or not 0 <= int(number) < int(spec.categories or 0):
                problems.append(f"code '{name}': {value!r} is not valid ({describe(spec)})")
                continue
            clean[name] = int(number)
        else:
            low, high = float(spec.low or 0.0), float(spec.high or 0.0)
            if number is None or not np.isfinite(number) or not low <= float(number) <= high:
                problems.append(f"code '{name}': {value!r} is not valid ({describe(spec)})")
                continue
            clean[name] = float(number)
    if problems:
        raise UserInputError(problems, field="codes")
    return clean


def sample_codes(
    specs: Sequence[CodeSpec], n: int, rng: np.random.Generator, fixed: Mapping[str, int | float]
) -> np.ndarray:
    """Code vectors `[n, code_dim]` (float32): fixed codes as given, the others from their priors."""
    parts: list[np.ndarray] = []
    for spec in specs:
        if spec.kind == "categorical":
            k = int(spec.categories or 0)
            index = np.full(n, int(fixed[spec.name])) if spec.name in fixed else rng.integers(0, k, size=n)
            onehot = np.zeros((n, k), dtype=np.float32)
            onehot[np.arange(n), index] = 1.0
            parts.append(onehot)
        else:
            low, high = float(spec.low or 0.0), float(spec.high or 0.0)
            value = np.full(n, float(fixed[spec.name])) if spec.name in fixed else rng.uniform(low, high, size=n)
            parts.append(value.astype(np.float32)[:, None])
    if not parts:
        return np.zeros((n, 0), dtype=np.float32)
    return np.concatenate(parts, axis=1)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
