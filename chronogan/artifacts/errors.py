"""Error types shared by the CLI, the training package and the service.

`UserInputError` is anything the caller can fix (bad CSV, unknown column, bad request): the CLI maps it to
exit code 2 and the HTTP API to a 4xx. Each problem names the field/column and what to do about it.
"""

from __future__ import annotations


class ChronoganError(Exception):
    """Base class for every error chronogan raises on purpose."""


class UserInputError(ChronoganError):
    """Input the user can fix. `problems` holds one human-readable message per problem found."""

    def __init__(self, problems: str | list[str], *, field: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.field = field
        super().__init__("; ".join(self.problems) if len(self.problems) < 2 else self._joined())

    def _joined(self) -> str:
        return f"{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems)


class NotFoundError(ChronoganError):
    """A model, version or job that does not exist."""


class ArtifactIntegrityError(ChronoganError):
    """A model version whose files are missing or do not match the manifest's checksums."""


class ConflictError(ChronoganError):
    """The operation conflicts with one already in progress (e.g. two retrains of one model)."""
