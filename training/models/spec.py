"""What the networks need to know about the data: feature layouts, length, and conditioning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chronogan.training.data.encoded import EncodedData
from chronogan.training.data.layout import FeatureLayout


@dataclass(frozen=True)
class DataSpec:
    """Shape facts about the training data, JSON-able so saved networks can be rebuilt.

    `max_len` is the padded length T of the training data: normalised lengths are `length / max_len`.
    """

    layout: FeatureLayout
    cond_layout: FeatureLayout
    max_len: int
    variable_length: bool

    @property
    def n_features(self) -> int:
        return self.layout.n_features

    @property
    def cond_dim(self) -> int:
        return self.cond_layout.n_features

    @classmethod
    def from_data(cls, data: EncodedData) -> DataSpec:
        if data.layout.n_features != data.n_features:
            raise ValueError(f"layout describes {data.layout.n_features} features but x has {data.n_features}")
        if data.cond_layout.n_features != data.cond_dim:
            raise ValueError(
                f"cond_layout describes {data.cond_layout.n_features} channels but cond has {data.cond_dim}"
            )
        return cls(data.layout, data.cond_layout, data.max_len, data.variable_length)

    def to_json(self) -> dict[str, Any]:
        return {
            "layout": self.layout.to_json(),
            "cond_layout": self.cond_layout.to_json(),
            "max_len": self.max_len,
            "variable_length": self.variable_length,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> DataSpec:
        return cls(
            FeatureLayout.from_json(doc["layout"]),
            FeatureLayout.from_json(doc["cond_layout"]),
            int(doc["max_len"]),
            bool(doc["variable_length"]),
        )


def resolve_conditioning(requested: str, spec: DataSpec) -> str:
    """ "auto" -> "cgan" when the data has a condition vector, else "none"; checks the explicit modes."""
    if requested == "auto":
        return "cgan" if spec.cond_dim > 0 else "none"
    if requested in ("cgan", "acgan") and spec.cond_dim == 0:
        raise ValueError(f"conditioning={requested!r} needs context columns, but the data has none")
    if requested == "acgan" and not spec.cond_layout.of_kind("categorical"):
        raise ValueError("conditioning='acgan' needs a categorical context column (its classifier's target)")
    return requested
