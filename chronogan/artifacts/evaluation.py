"""Evaluation results recorded beside a published version, never inside it.

A published version (its manifest and every file the manifest lists) is immutable; `chronogan evaluate`
writes its headline scores to `<version>/evaluation/latest.json` instead, and readers merge them into the
version's metrics as `metrics["evaluation"]`. Versions evaluated before this existed carry the scores in
their manifest's `metrics.evaluation`; a newer file takes precedence.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from chronogan.artifacts.manifest import Manifest

EVALUATION_DIR = "evaluation"
LATEST_FILE = "latest.json"


def evaluation_path(version_dir: Path) -> Path:
    return Path(version_dir) / EVALUATION_DIR / LATEST_FILE


def write_evaluation(version_dir: Path, headline: dict[str, Any]) -> Path:
    """Record `headline` as the version's latest evaluation (atomically: readers see the old or the new)."""
    path = evaluation_path(version_dir)
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(headline, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def read_evaluation(version_dir: Path) -> dict[str, Any] | None:
    """The latest recorded evaluation, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads(evaluation_path(version_dir).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def version_metrics(version_dir: Path, manifest: Manifest) -> dict[str, Any]:
    """The manifest's metrics plus the latest evaluation recorded beside it."""
    evaluation = read_evaluation(version_dir)
    return {**manifest.metrics, "evaluation": evaluation} if evaluation is not None else dict(manifest.metrics)
