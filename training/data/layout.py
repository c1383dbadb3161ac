"""Where each column lives in the encoded feature vector (and in the condition vector)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["numeric", "categorical", "missing"]


@dataclass(frozen=True)
class FeatureBlock:
    """Columns `start:end` of the encoded feature axis belong to `column`.

    numeric: 1 wide, min-max scaled to [0, 1] (sigmoid output).
    categorical: one-hot, one channel per category (softmax output).
    missing: 1 wide indicator (1 = the numeric `column` is missing here; sigmoid output).
    """

    column: str
    kind: BlockKind
    start: int
    end: int

    @property
    def width(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class FeatureLayout:
    blocks: tuple[FeatureBlock, ...] = field(default_factory=tuple)

    @property
    def n_features(self) -> int:
        return self.blocks[-1].end if self.blocks else 0

    def of_kind(self, kind: BlockKind) -> list[FeatureBlock]:
        return [b for b in self.blocks if b.kind == kind]

    def to_json(self) -> list[dict[str, object]]:
        return [{"column": b.column, "kind": b.kind, "start": b.start, "end": b.end} for b in self.blocks]

    @classmethod
    def from_json(cls, rows: list[dict[str, object]]) -> FeatureLayout:
        return cls(tuple(FeatureBlock(str(r["column"]), r["kind"], int(r["start"]), int(r["end"])) for r in rows))  # type: ignore[arg-type]


class LayoutBuilder:
    """Appends blocks left to right so offsets are always consistent."""

    def __init__(self) -> None:
        self._blocks: list[FeatureBlock] = []
        self._end = 0

    def add(self, column: str, kind: BlockKind, width: int = 1) -> FeatureBlock:
        block = FeatureBlock(column, kind, self._end, self._end + width)
        self._blocks.append(block)
        self._end += width
        return block

    def build(self) -> FeatureLayout:
        return FeatureLayout(tuple(self._blocks))
