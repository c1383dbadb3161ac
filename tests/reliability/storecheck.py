"""Fingerprints of a model store, to prove an operation changed nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path


def store_snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file and every folder name under the store (lock files and `.staging/` included: a
    failed command must not leave them behind), except the job database and job files (compared through
    the API instead: SQLite rewrites pages on reads too)."""
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".jobs"):
            continue
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
    return out


def active_versions(root: Path) -> dict[str, str]:
    """Every model's active pointer, byte for byte."""
    return {p.parent.name: p.read_text() for p in sorted(root.glob("*/active.json"))}
