"""What the user tells us about their table, on top of what we infer (CLI flags / API `options`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
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
    # Windowing of one long series (layout 'windows').
    seq_len: int = 24
    stride: int = 1
    # Entities longer than this are cut into consecutive pieces (layout 'entities').
    max_seq_len: int = 256
    # Columns read from the table (before --ignore). Every column becomes network width and export and
    # scoring time: 3,000 columns ran for many minutes past a 12-second budget. Raise it deliberately.
    max_columns: int = 1000

    def __post_init__(self) -> None:
        problems = []
        for name in ("seq_len", "stride", "max_seq_len", "max_columns"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.seq_len, int) and self.seq_len > 4096:
            problems.append(f"seq_len must be at most 4096, got {self.seq_len}")
        for name in ("categorical", "numeric", "context", "ignore"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, [v.strip() for v in value.split(",") if v.strip()])
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{name} must be a list of column names")
        if problems:
            raise UserInputError(problems, field="options")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SchemaOptions:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserInputError(f"unknown schema option(s) {unknown}; known: {sorted(known)}", field="options")
        return cls(**data)
