"""`manifest.json`: everything the service needs to know about a model version, and its checksums."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chronogan.artifacts.codes import CodeSpec
from chronogan.artifacts.errors import ArtifactIntegrityError
from chronogan.artifacts.schema import TableSchema

MANIFEST_FORMAT = 1
MANIFEST_FILE = "manifest.json"
GRAPH_FILE = "generator.onnx"


class GraphSpec(BaseModel):
    """The ONNX graph's inputs and outputs (see docs/ARCHITECTURE.md)."""

    inputs: list[str]
    outputs: list[str]
    noise_dim: int
    cond_dim: int = 0
    numeric_columns: list[str]
    categorical_columns: list[str]
    # Training sequence length; any length works because the time axis is dynamic.
    export_seq_len: int
    # InfoGAN latent codes (the "codes" input, laid out in this order); empty for every other loss.
    codes: list[CodeSpec] = []


class Manifest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    format: int = MANIFEST_FORMAT
    name: str
    version: str
    created_at: str
    model_type: str
    table_schema: TableSchema = Field(alias="schema")
    graph: GraphSpec
    config: dict[str, Any]
    data_fingerprint: dict[str, Any]
    history_summary: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    libraries: dict[str, str] = {}
    # sha256 of every other file in the version folder, by relative path.
    files: dict[str, str] = {}

    def dump_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", by_alias=True), indent=2, sort_keys=False) + "\n"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_folder(folder: Path) -> dict[str, str]:
    """sha256 of every file below `folder` except the manifest itself, keyed by posix relative path."""
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST_FILE
    }


def version_label(folder: Path) -> str:
    """`name/version` for messages: API clients see these errors, and must not learn the server's paths."""
    folder = Path(folder)
    return f"{folder.parent.name}/{folder.name}"


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_FILE
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise ArtifactIntegrityError(f"{version_label(folder)}: manifest.json is missing") from exc
    except ValueError as exc:
        raise ArtifactIntegrityError(f"{version_label(folder)}: manifest.json is not a valid manifest ({exc})") from exc


def verify_files(folder: Path, manifest: Manifest, only: list[str] | None = None) -> None:
    """Raise ArtifactIntegrityError if a listed file is missing or its sha256 differs from the manifest."""
    for rel, expected in manifest.files.items():
        if only is not None and rel not in only:
            continue
        path = folder / rel
        if not path.is_file():
            raise ArtifactIntegrityError(f"{manifest.name}/{manifest.version}: file {rel} is missing")
        actual = sha256_file(path)
        if actual != expected:
            raise ArtifactIntegrityError(
                f"{manifest.name}/{manifest.version}: file {rel} is corrupt "
                f"(sha256 {actual[:12]}… does not match the manifest's {expected[:12]}…)"
            )
