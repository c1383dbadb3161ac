"""A batch result as a dataset folder: part files (one per shard) plus `_manifest.json` listing them.

The Ray executor writes one part per shard, to a local path or to any filesystem pyarrow knows
(`s3://bucket/prefix`, `gs://...`, `file:///...`; credentials come from the environment, as pyarrow reads
them). Each part is written under a temporary name and moved into place when complete, and its name is
fixed by its shard index, so a retried shard overwrites its own part with the same bytes: never a
duplicate, never a half part. The manifest is written last, by the driver, once every part is there.

`stream_dataset` gives the whole result back as the one file the local executor writes, byte for byte:
CSV parts are concatenated without their repeated header lines; Parquet row groups are copied into one
writer with the first part's schema, as the local writer does chunk by chunk. Neither Ray nor torch is
imported here: the API serves downloads with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from chronogan.artifacts.errors import ArtifactIntegrityError
from chronogan.artifacts.tables import TableFormat, arrow_table, csv_text

MANIFEST_FILE = "_manifest.json"
# The size of the pieces a download is streamed in.
STREAM_BYTES = 1 << 20


@dataclass(frozen=True)
class Part:
    index: int
    file: str
    first_sequence: int
    sequences: int
    rows: int
    bytes: int
    sha256: str
    header_bytes: int = 0  # CSV: the length of the header line, skipped when parts are joined


def part_name(index: int, fmt: TableFormat) -> str:
    return f"part-{index:05d}.{fmt}"


def resolve(uri: str) -> tuple[pafs.FileSystem, str]:
    """A filesystem and a path on it for a local path or a URI (`s3://...`, `file:///...`)."""
    if "://" in uri:
        return pafs.FileSystem.from_uri(uri)
    return pafs.LocalFileSystem(), str(Path(uri).resolve())


class _HashingSink(io.RawIOBase):
    """Writes through to a pyarrow output stream, counting and hashing the bytes on the way."""

    def __init__(self, out: pa.NativeFile) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.digest.update(view)
        self.out.write(view)
        self.size += len(view)
        return len(view)


def write_part(
    chunks: Iterator[pd.DataFrame], uri: str, *, index: int, first_sequence: int, sequences: int, fmt: TableFormat
) -> Part:
    """Write one shard's chunks as `<uri>/part-<index>.<fmt>` (atomically) and describe it."""
    fs, base = resolve(uri)
    fs.create_dir(base, recursive=True)
    name = part_name(index, fmt)
    temporary = f"{base}/.{name}.{uuid.uuid4().hex}.tmp"
    rows = header = 0
    first = True
    try:
        with fs.open_output_stream(temporary) as out:
            sink = _HashingSink(out)
            writer: pq.ParquetWriter | None = None
            for chunk in chunks:
                if fmt == "csv":
                    # Every part carries the header, so each is a CSV file of its own.
                    if first:
                        header = len(csv_text(chunk.iloc[:0], header=True).encode())
                    sink.write(csv_text(chunk, header=first).encode())
                else:
                    table = arrow_table(chunk)
                    if writer is None:
                        writer = pq.ParquetWriter(sink, table.schema, compression="zstd")
                    writer.write_table(table.cast(writer.schema))
                rows += len(chunk)
                first = False
            if writer is not None:
                writer.close()
        fs.move(temporary, f"{base}/{name}")
    except BaseException:
        _delete(fs, temporary)
        raise
    return Part(index, name, first_sequence, sequences, rows, sink.size, sink.digest.hexdigest(), header)


def _delete(fs: pafs.FileSystem, path: str) -> None:
    with contextlib.suppress(FileNotFoundError, OSError):
        fs.delete_file(path)


def write_manifest(uri: str, parts: list[Part], meta: dict[str, Any]) -> str:
    """Write `_manifest.json` (the parts in order, their rows and sha256) and return its URI."""
    parts = sorted(parts, key=lambda p: p.index)
    if [p.index for p in parts] != list(range(len(parts))):
        raise ValueError(f"parts must be numbered 0..{len(parts) - 1} once each, got {[p.index for p in parts]}")
    fs, base = resolve(uri)
    doc = {**meta, "parts": [asdict(p) for p in parts]}
    path = f"{base}/{MANIFEST_FILE}"
    temporary = f"{path}.{uuid.uuid4().hex}.tmp"
    with fs.open_output_stream(temporary) as out:
        out.write((json.dumps(doc, indent=2, sort_keys=True) + "\n").encode())
    fs.move(temporary, path)
    return f"{uri.rstrip('/')}/{MANIFEST_FILE}"


def read_manifest(uri: str) -> dict[str, Any]:
    fs, base = resolve(uri)
    try:
        with fs.open_input_stream(f"{base}/{MANIFEST_FILE}") as fh:
            return json.loads(fh.read())
    except FileNotFoundError:
        raise FileNotFoundError(f"dataset {uri} has no {MANIFEST_FILE}") from None


def remove_dataset(uri: str) -> None:
    """Delete a dataset folder (a canceled or failed job's parts)."""
    fs, base = resolve(uri)
    with contextlib.suppress(FileNotFoundError, OSError):
        fs.delete_dir(base)


def stream_dataset(uri: str) -> Iterator[bytes]:
    """The dataset as one CSV or Parquet file, in pieces; identical to the local executor's file."""
    manifest = read_manifest(uri)
    fs, base = resolve(uri)
    parts = [Part(**p) for p in manifest["parts"]]
    if manifest["format"] == "csv":
        yield from _stream_csv(fs, base, parts)
    else:
        yield from _stream_parquet(fs, base, parts)


def _stream_csv(fs: pafs.FileSystem, base: str, parts: list[Part]) -> Iterator[bytes]:
    for i, part in enumerate(parts):
        with fs.open_input_stream(f"{base}/{part.file}") as fh:
            if i > 0 and part.header_bytes:
                fh.read(part.header_bytes)  # every part is a complete CSV; the joined file has one header
            while piece := fh.read(STREAM_BYTES):
                yield piece


class _Pipe(io.RawIOBase):
    """A write target whose bytes are collected and handed out by the generator that drives the writer."""

    def __init__(self) -> None:
        self.pending: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.pending.append(chunk)
        return len(chunk)

    def take(self) -> bytes:
        out, self.pending = b"".join(self.pending), []
        return out


def _stream_parquet(fs: pafs.FileSystem, base: str, parts: list[Part]) -> Iterator[bytes]:
    pipe = _Pipe()
    writer: pq.ParquetWriter | None = None
    for part in parts:
        with fs.open_input_file(f"{base}/{part.file}") as fh:
            source = pq.ParquetFile(fh)
            for group in range(source.num_row_groups):
                table = source.read_row_group(group)
                if writer is None:
                    writer = pq.ParquetWriter(pipe, table.schema, compression="zstd")
                writer.write_table(table.cast(writer.schema))
                if piece := pipe.take():
                    yield piece
    if writer is None:
        raise ArtifactIntegrityError("the dataset has no parts")
    writer.close()
    yield pipe.take()


def sweep_temporaries(uri: str) -> None:
    """Remove the temporary files of part writers that died (their shard was re-run under a new name)."""
    fs, base = resolve(uri)
    for info in fs.get_file_info(pafs.FileSelector(base, allow_not_found=True)):
        if info.base_name.startswith(".") and info.base_name.endswith(".tmp"):
            _delete(fs, info.path)
