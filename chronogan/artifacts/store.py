"""The model store: `<root>/<name>/<version>/` folders plus an `active.json` pointer per model.

Every write is atomic: a version is assembled in `<root>/.staging/` and renamed into place, and the active
pointer is replaced with `os.replace`, so a crash at any moment leaves either the old or the new state.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from chronogan.artifacts.errors import ConflictError, NotFoundError, UserInputError
from chronogan.artifacts.manifest import Manifest, read_manifest

# The one definition of a valid name and version: the store validates with these and the HTTP API publishes
# them as the `pattern`/`maxLength` of its OpenAPI parameters. Both are matched in full (`re.fullmatch`, as
# JSON Schema reads `^...$`: Python's `$` alone would also accept a trailing newline). The name pattern
# spells "no '..'" without a lookahead (a dot is always followed by another character or the end), because
# OpenAPI tools and Rust's regex engine do not all support lookarounds.
NAME_PATTERN = r"^[A-Za-z0-9](?:\.?[A-Za-z0-9_-])*\.?$"
NAME_MAX_LENGTH = 64
VERSION_PATTERN = r"^v([1-9][0-9]{0,8})$"
_NAME_RE = re.compile(NAME_PATTERN)
_VERSION_RE = re.compile(VERSION_PATTERN)
ACTIVE_FILE = "active.json"


def is_model_name(name: object) -> bool:
    return isinstance(name, str) and len(name) <= NAME_MAX_LENGTH and _NAME_RE.fullmatch(name) is not None


def validate_model_name(name: str) -> str:
    """Model names become folder names, so only a safe alphabet is allowed (no '/', '..', NUL, ...)."""
    if not is_model_name(name):
        raise UserInputError(
            f"model name {name!r} is invalid: use 1-64 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit",
            field="name",
        )
    return name


def validate_version(version: str) -> str:
    if not isinstance(version, str) or not _VERSION_RE.fullmatch(version):
        raise UserInputError(f"version {version!r} is invalid: versions look like 'v1', 'v2', ...", field="version")
    return version


def _version_number(version: str) -> int:
    match = _VERSION_RE.fullmatch(version)
    return int(match.group(1)) if match else -1


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ModelStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # -- reading -----------------------------------------------------------------------------------
    def model_dir(self, name: str) -> Path:
        return self.root / validate_model_name(name)

    def list_models(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and is_model_name(p.name) and self._versions_in(p)
        )

    @staticmethod
    def _versions_in(model_dir: Path) -> list[str]:
        if not model_dir.is_dir():
            return []
        found = [p.name for p in model_dir.iterdir() if p.is_dir() and _VERSION_RE.fullmatch(p.name)]
        return sorted(found, key=_version_number)

    def list_versions(self, name: str) -> list[str]:
        versions = self._versions_in(self.model_dir(name))
        if not versions:
            raise NotFoundError(f"model {name!r} not found in store {self.root}")
        return versions

    def version_dir(self, name: str, version: str) -> Path:
        path = self.model_dir(name) / validate_version(version)
        if not path.is_dir():
            raise NotFoundError(f"model {name!r} has no version {version!r}")
        return path

    def read_manifest(self, name: str, version: str) -> Manifest:
        return read_manifest(self.version_dir(name, version))

    def active_version(self, name: str) -> str | None:
        pointer = self.model_dir(name) / ACTIVE_FILE
        try:
            version = json.loads(pointer.read_text())["version"]
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        return version if (self.model_dir(name) / str(version)).is_dir() else None

    def resolve(self, name: str, version: str | None = None) -> str:
        """The requested version, or the active one; NotFoundError when there is none."""
        if version is not None:
            self.version_dir(name, version)
            return version
        self.list_versions(name)
        active = self.active_version(name)
        if active is None:
            raise NotFoundError(f"model {name!r} has no active version")
        return active

    # -- writing -----------------------------------------------------------------------------------
    def set_active(self, name: str, version: str) -> None:
        self.version_dir(name, version)
        pointer = self.model_dir(name) / ACTIVE_FILE
        tmp = pointer.with_name(f".{ACTIVE_FILE}.{uuid.uuid4().hex}")
        tmp.write_text(json.dumps({"version": version}) + "\n")
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, pointer)
        _fsync_dir(pointer.parent)

    @contextlib.contextmanager
    def staging(self) -> Iterator[Path]:
        """A fresh folder on the store's filesystem; removed on exit unless `publish` moved it."""
        staging_root = self.root / ".staging"
        created = not staging_root.exists()
        staging_root.mkdir(parents=True, exist_ok=True)
        path = staging_root / uuid.uuid4().hex
        path.mkdir()
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
            if created:
                with contextlib.suppress(OSError):
                    staging_root.rmdir()  # only when empty: a concurrent publisher may be staging

    def next_version(self, name: str) -> str:
        existing = self._versions_in(self.model_dir(name))
        return f"v{_version_number(existing[-1]) + 1}" if existing else "v1"

    def publish(self, staged: Path, name: str, version: str | None = None) -> str:
        """Rename a complete staged folder into `<name>/<version>`; the next free version if None.

        rename(2) onto an existing non-empty folder fails, so two concurrent publishers never share a version.
        """
        model_dir = self.model_dir(name)
        model_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            target_version = version or self.next_version(name)
            target = model_dir / target_version
            try:
                os.rename(staged, target)
            except OSError:
                if version is not None:
                    raise ConflictError(f"model {name!r} already has a version {version!r}") from None
                continue
            _fsync_dir(model_dir)
            return target_version
        raise ConflictError(f"could not allocate a new version for model {name!r}")

    @contextlib.contextmanager
    def model_lock(self, name: str) -> Iterator[None]:
        """Exclusive, non-blocking, cross-process lock per model (a flock'd file). Raises ConflictError.

        The lock file is removed on release, and so are the folders it needed (`.locks/`, even the store
        root) when they did not exist before: a command that fails leaves the store exactly as it was."""
        locks = self.root / ".locks"
        created = [p for p in (self.root, locks) if not p.exists()]
        locks.mkdir(parents=True, exist_ok=True)
        path = locks / f"{validate_model_name(name)}.lock"
        try:
            fh = path.open("a+")
            try:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise ConflictError(f"model {name!r} is being trained by another process") from None
                # The holder before us may have unlinked the file after we opened it: a lock on a removed
                # file excludes nobody, so it only counts if the path still names our file.
                if not path.exists() or os.stat(path).st_ino != os.fstat(fh.fileno()).st_ino:
                    raise ConflictError(f"model {name!r} is being trained by another process") from None
                try:
                    yield
                finally:
                    path.unlink(missing_ok=True)  # while still holding the lock: see the check above
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            finally:
                fh.close()
        finally:
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty: another process may be using it
