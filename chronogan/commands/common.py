"""Flags shared by several subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def default_store() -> Path:
    return Path(os.environ.get("CHRONOGAN_STORE", "models"))


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", type=Path, default=None, help="model store folder (default: $CHRONOGAN_STORE or ./models)"
    )


def store_of(args: argparse.Namespace) -> Path:
    return args.store if args.store is not None else default_store()


def csv_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]
