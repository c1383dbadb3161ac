"""The demo model's fidelity and the cues a classifier uses on it, before/after a recipe change.

Trains TimeGAN on `chronogan sample-data energy` as `scripts/demo.sh` does (`chronogan train`'s code path,
`train_version`, so `--minutes` is the whole command's budget, of which training gets about three quarters,
and `--trials` as the script passes it), once per seed, and prints per run: the quick discriminative score
the CLI prints, and real vs generated (500 entities from the saved artifact, as the service makes them):
the spread of the integer `occupants` column's step changes, how many distinct `capacity_kw` values come
out, the correlation of an entity's mean load with its capacity, mean load per region, the missing rate of
`load_kw`, how often the categorical `status` is "warn" or "fail". Ends with mean ± se.

    taskset -c 1 .venv/bin/python benchmarks/demo_cues.py --minutes 3 --seeds 0 1 2
    .venv/bin/python benchmarks/demo_cues.py --minutes 3 --trials 2 --seeds 0 1 2   # both cores, as demo.sh
    taskset -c 1 .venv/bin/python benchmarks/demo_cues.py --set within_std_weight=0 --seeds 0 1 2
    taskset -c 1 .venv/bin/python benchmarks/demo_cues.py --set sample_len=3 --per-column --without --seeds 0 1
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def cues(table: pd.DataFrame) -> dict[str, float]:
    """Per-entity statistics a classifier (or a user) checks first."""
    g = table.sort_values(["meter_id", "timestamp"]).groupby("meter_id", sort=False)
    steps = g["occupants"].diff().dropna()
    per = g.agg(load=("load_kw", "mean"), cap=("capacity_kw", "first"), region=("region", "first"))
    out = {
        "occupants_step_std": float(steps.std()),
        "capacity_distinct": float(per["cap"].nunique()),
        "load_capacity_corr": float(np.corrcoef(per["load"], per["cap"])[0, 1]),
        "load_missing": float(table["load_kw"].isna().mean()),
        "temperature_step_std": float(g["temperature_c"].diff().dropna().std()),
        # The categorical column's rarer values: an argmax decoding turns uncertain steps into the mode ("ok").
        "status_warn": float((table["status"] == "warn").mean()),
        "status_fail": float((table["status"] == "fail").mean()),
    }
    for region, value in per.groupby("region")["load"].mean().items():
        out[f"load_mean_{region}"] = float(value)
    return out


def per_column_scores(model: object, data: Path, table: pd.DataFrame, *, without: bool = False) -> dict[str, float]:
    """The quick discriminative score on each temporal column's channels alone (`alone_<column>`): which
    column gives the generated data away; with `without`, also on all channels but that column's
    (`without_<column>`): a score that falls when a column is left out names a cue that lies in that
    column's relation to the others, which the one-column scores cannot see."""
    from chronogan.training.evaluation.discriminative import discriminative_score
    from chronogan.training.quality import QUICK_REPEATS, QUICK_STEPS, encode_real, encode_synthetic

    real, synth = encode_real(data, model.schema), encode_synthetic(table, model.schema)
    blocks = real.layout.blocks
    out = {}
    for column in dict.fromkeys(b.column for b in blocks):
        subsets = {"alone": [c for b in blocks if b.column == column for c in range(b.start, b.end)]}
        if without:
            subsets["without"] = [c for b in blocks if b.column != column for c in range(b.start, b.end)]
        for prefix, channels in subsets.items():
            score = discriminative_score(
                real.x[:, :, channels],
                synth.x[:, :, channels],
                lengths_real=real.lengths,
                lengths_synth=synth.lengths,
                steps=QUICK_STEPS,
                repeats=QUICK_REPEATS,
                seed=0,
            )
            out[f"{prefix}_{column}"] = score.mean
    return out


def parse_value(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="0: no budget, the step caps rule")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--trials", type=int, default=1, help="as `chronogan train --trials` (one core each)")
    parser.add_argument("--set", nargs="*", default=[], help="config overrides FIELD=JSON")
    parser.add_argument("--label", default="")
    parser.add_argument("--per-column", action="store_true", help="also a quick score on each column alone")
    parser.add_argument("--without", action="store_true", help="with --per-column: also on all columns but one")
    args = parser.parse_args()

    from chronogan.training.api import train_version
    from chronogan.training.data.samples import energy_meters
    from chronogan.training.estimator import load

    from chronogan.artifacts.runtime import LoadedModel

    overrides = {k: parse_value(v) for k, v in (item.split("=", 1) for item in args.set)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "energy.csv"
        energy_meters().to_csv(data, index=False)
        real = cues(pd.read_csv(data))
        print("real", json.dumps({k: round(v, 3) for k, v in real.items()}))
        for seed in args.seeds:
            t0 = time.perf_counter()
            options = {"sequence_key": "meter_id", "seed": seed, "trials": args.trials, "config": overrides}
            if args.minutes:
                options["max_minutes"] = args.minutes
            store = Path(tmp) / f"store{seed}"
            version, metrics = train_version(data, name="energy", store=store, options=options)
            wall = time.perf_counter() - t0
            folder = store / "energy" / version
            model = load(folder)
            table = LoadedModel.load(folder).generate(500, seed=seed + 1)
            row = {
                "seed": seed,
                "quick": metrics["discriminative"]["mean"],
                "wall_s": wall,
                "steps": model.summary.get("steps"),
                "trials": model.summary.get("trials", {}).get("scores"),
                **cues(table),
            }
            if args.per_column:
                row.update(per_column_scores(model, data, table, without=args.without))
            rows.append(row)
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
    keys = [k for k in rows[0] if isinstance(rows[0][k], float)]
    print(f"\nsummary {args.label} {overrides} minutes={args.minutes} seeds={args.seeds}")
    for k in keys:
        v = np.array([r[k] for r in rows])
        se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
        print(f"  {k:22s} {v.mean():8.3f} ± {se:.3f}   real {real.get(k, float('nan')):8.3f}")


if __name__ == "__main__":
    main()
