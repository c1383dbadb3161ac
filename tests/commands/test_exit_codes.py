"""The CLI's exit codes follow the error hierarchy: every ConflictError (a job's too) is the user's, exit 2."""

from __future__ import annotations

import argparse
from unittest import mock

import pytest
from chronogan.service.jobs.store import JobConflictError

from chronogan.artifacts.errors import ConflictError
from chronogan.cli import EXIT_USER_ERROR, main


@pytest.mark.parametrize(
    ("error", "code"),
    [(JobConflictError("job x already succeeded; nothing to cancel"), EXIT_USER_ERROR), (RuntimeError("bug"), None)],
)
def test_job_conflicts_exit_2(error: Exception, code: int | None, capsys: pytest.CaptureFixture[str]) -> None:
    assert isinstance(JobConflictError("x"), ConflictError)

    def failing(args: argparse.Namespace) -> int:
        raise error

    with mock.patch("chronogan.commands.models.run", failing):
        if code is None:  # anything outside the hierarchy is a bug: it is not turned into a user error
            with pytest.raises(RuntimeError):
                main(["models"])
            return
        assert main(["models"]) == code
    assert "error: job x already succeeded" in capsys.readouterr().err
