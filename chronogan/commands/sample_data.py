"""`chronogan sample-data energy --out FILE`: write the sample data set the demo model is trained on."""

from __future__ import annotations

import argparse
from pathlib import Path

from chronogan.artifacts.tables import write_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample-data", help="write a generated sample data set (for demos and tests)")
    p.add_argument("dataset", choices=["energy"], help="energy: hourly smart-meter readings of many meters")
    p.add_argument("--out", type=Path, required=True, help="output .csv or .parquet")
    p.add_argument("--entities", type=int, default=120)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chronogan.training.data.samples import energy_meters  # numpy/pandas only

    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_table(energy_meters(n_entities=args.entities, seed=args.seed), args.out)
    print(f"wrote {args.out}")
    return 0
