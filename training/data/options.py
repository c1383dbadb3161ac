"""What the user tells us about their table's columns, on top of what we infer (CLI flags / API `options`),
and the sequence shape that the model config owns (`GANConfig.sequence_shape()`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from chronogan.artifacts.errors import UserInputError


@dataclass
class SchemaOptions:
    sequence_key: str | None = None
    time_column: str | None = None
    categorical: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    # Columns read from the table (before --ignore). Every column becomes network width and export and
    # scoring time: 3,000 columns ran for many minutes past a 12-second budget. Raise it deliberately.
    max_columns: int = 1000

    def __post_init__(self) -> None:
        problems = []
        value = self.max_columns
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"max_columns must be a positive integer, got {value!r}")
        for name in ("categorical", "numeric", "context", "ignore"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, [v.strip() for v in value.split(",") if v.strip()])
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{name} must be a list of column names")
        if problems:
            raise UserInputError(problems, field="options")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SchemaOptions:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserInputError(f"unknown schema option(s) {unknown}; known: {sorted(known)}", field="options")
        return cls(**data)


@dataclass(frozen=True)
class SequenceShape:
    """How rows become sequences. Owned (and validated) by the model config: see `GANConfig.sequence_shape`."""

    # Windowing of one long series (layout 'windows').
    seq_len: int = 24
    stride: int = 1
    # Entities longer than this are cut into consecutive pieces (layout 'entities').
    max_seq_len: int = 256
