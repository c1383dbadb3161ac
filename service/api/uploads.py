"""Saving a retrain upload to the job's folder (the multipart body was already size-limited)."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from chronogan.artifacts.errors import UserInputError

ALLOWED_SUFFIXES = (".csv.gz", ".csv", ".tsv", ".txt", ".parquet", ".pq")
# The part's Content-Type decides when the filename has none of the suffixes above (a client that names
# the file "data" but labels it). The OpenAPI document publishes these as the `file` part's accepted
# content types; the reader sniffs gzip and the delimiter itself, so only CSV vs Parquet matters.
UPLOAD_MEDIA_TYPES: dict[str, str] = {
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "text/plain": ".txt",
    "application/gzip": ".csv.gz",
    "application/vnd.apache.parquet": ".parquet",
}


def upload_suffix(filename: str | None, content_type: str | None = None) -> str:
    """The suffix the upload is stored under: from the filename, else from the part's Content-Type."""
    lowered = (filename or "").lower()
    for suffix in ALLOWED_SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    media = (content_type or "").split(";")[0].strip().lower()
    if media in UPLOAD_MEDIA_TYPES:
        return UPLOAD_MEDIA_TYPES[media]
    raise UserInputError(
        f"uploaded file {filename!r} must be a CSV ({', '.join(ALLOWED_SUFFIXES[:4])}) or Parquet (.parquet, .pq) "
        f"file, by its name or by a Content-Type of {', '.join(UPLOAD_MEDIA_TYPES)}",
        field="file",
    )


async def save_upload(file: UploadFile, dest: Path) -> int:
    """Copy the (spooled-to-disk) upload into `dest` without holding it in memory. Returns its size."""

    def copy() -> int:
        dest.parent.mkdir(parents=True, exist_ok=True)
        file.file.seek(0)
        with dest.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        return dest.stat().st_size

    return await run_in_threadpool(copy)
