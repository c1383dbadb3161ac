"""Saving a retrain upload to the job's folder (the multipart body was already size-limited)."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from chronogan.artifacts.errors import UserInputError

ALLOWED_SUFFIXES = (".csv.gz", ".csv", ".tsv", ".txt", ".parquet", ".pq")


def upload_suffix(filename: str | None) -> str:
    lowered = (filename or "").lower()
    for suffix in ALLOWED_SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    raise UserInputError(
        f"uploaded file {filename!r} must be a CSV ({', '.join(ALLOWED_SUFFIXES[:4])}) or Parquet (.parquet, .pq) file",
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
