"""`chronogan generate NAME --n N --seed S --out FILE`: synthetic data from a model version, no torch."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.runtime import LoadedModel
from chronogan.artifacts.store import ModelStore
from chronogan.artifacts.tables import ChunkedTableWriter, format_from_path
from chronogan.commands.common import add_store, store_of


def _context(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserInputError(f"--context {item!r}: use COLUMN=VALUE", field="context")
        out[key] = value
    return out


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate synthetic sequences from a trained model (CSV or Parquet)")
    p.add_argument("name", help="model name")
    p.add_argument("--n", type=int, required=True, help="number of sequences")
    p.add_argument("--seed", type=int, default=None, help="random seed (drawn and printed when omitted)")
    p.add_argument("--out", type=Path, required=True, help="output file, .csv or .parquet")
    p.add_argument("--version", default=None, help="model version (default: the active one)")
    p.add_argument("--seq-len", type=int, default=None, help="length of every sequence (default: as in training)")
    p.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="condition on a context column value (repeatable)",
    )
    p.add_argument("--start", default=None, help="start timestamp of every sequence (models with a time column)")
    add_store(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    fmt = format_from_path(args.out)
    store = ModelStore(store_of(args))
    version = store.resolve(args.name, args.version)
    model = LoadedModel.load(store.version_dir(args.name, version))
    # Validated (and the seed settled) before anything is written.
    plan = model.plan(args.n, seed=args.seed, seq_len=args.seq_len, context=_context(args.context), start=args.start)
    seed = plan.seed
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.{uuid.uuid4().hex}.tmp")
    try:
        with ChunkedTableWriter(tmp, fmt) as writer:
            for chunk in model.chunks(plan):
                writer.write(chunk)
        os.replace(tmp, args.out)
    finally:
        tmp.unlink(missing_ok=True)
    print(
        f"wrote {args.n} sequences ({writer.rows} rows) from {args.name} {version} with seed {seed} to {args.out}",
        file=sys.stderr,
    )
    return 0
