"""How generated channels relate to each other vs the real ones (Sines, Stocks), before/after a change.

Trains TimeGAN once per seed with the default config plus `--set` overrides, generates as many sequences
as there are real ones from the saved artifact (onnxruntime, what the service serves) and prints: the
discriminative score (TimeGAN protocol, `--disc-steps` x `--repeats`), the sum over channel pairs of
|corr_real - corr_generated| (values pooled over steps and sequences) and the same at lag 1
(corr(x_i[t], x_j[t+1]), i != j). Ends with mean ± se over seeds.

    taskset -c 1 .venv/bin/python benchmarks/channel_relations.py sines --minutes 0 --set joint_steps=300
    taskset -c 1 .venv/bin/python benchmarks/channel_relations.py sines --set cross_corr_weight=100
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def correlation_gaps(real: np.ndarray, synth: np.ndarray) -> dict[str, float]:
    """Sum over pairs i < j of |Δ corr| at lag 0, and over ordered pairs i != j at lag 1."""
    f = real.shape[2]

    def lag0(x: np.ndarray) -> np.ndarray:
        return np.corrcoef(x.reshape(-1, f), rowvar=False)

    def lag1(x: np.ndarray) -> np.ndarray:
        a, b = x[:, :-1].reshape(-1, f), x[:, 1:].reshape(-1, f)
        return np.corrcoef(a, b, rowvar=False)[:f, f:]

    upper = np.triu_indices(f, 1)
    off = ~np.eye(f, dtype=bool)
    return {
        "sum_abs_dcorr": float(np.abs(lag0(real) - lag0(synth))[upper].sum()),
        "sum_abs_dcorr_lag1": float(np.abs(lag1(real) - lag1(synth))[off].sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["sines", "stocks"])
    parser.add_argument("--minutes", type=float, default=0.0, help="0: no budget, the step caps rule")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--set", nargs="*", default=[], help="config overrides FIELD=JSON")
    parser.add_argument("--disc-steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--label", default="")
    parser.add_argument("--stocks-csv", type=Path, default=None, help="stock_data.csv (default: ../shared/data)")
    args = parser.parse_args()

    from chronogan.training import SchemaOptions, TimeGAN
    from chronogan.training.config import TimeGANConfig
    from chronogan.training.evaluation.discriminative import discriminative_score
    from chronogan.training.quality import EVAL_THREADS, encode_real, encode_synthetic
    from chronogan.training.trainer.threads import torch_threads
    from demo_cues import parse_value
    from fidelity import STOCKS, sines_table

    from chronogan.artifacts.runtime import LoadedModel

    overrides = {k: parse_value(v) for k, v in (item.split("=", 1) for item in args.set)}
    rows = []
    for seed in args.seeds:
        if args.dataset == "sines":
            data = sines_table(seed)
            options = SchemaOptions(sequence_key="sample", numeric=[f"f{i}" for i in range(5)])
        else:
            data, options = args.stocks_csv or STOCKS, SchemaOptions()
        t0 = time.perf_counter()
        config = TimeGANConfig(**{"max_minutes": args.minutes or None, "seed": seed, **overrides})
        model = TimeGAN(config).fit(data, options, progress=False)
        wall = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            model.save(Path(tmp) / "v1", name=args.dataset)
            served = LoadedModel.load(Path(tmp) / "v1")
            real = encode_real(data, served.schema)
            synth = encode_synthetic(served.generate(real.n_sequences, seed=seed + 1), served.schema)
        with torch_threads(EVAL_THREADS):
            disc = discriminative_score(real.x, synth.x, steps=args.disc_steps, repeats=args.repeats, seed=seed)
        row = {"seed": seed, "disc": disc.mean, "wall_s": wall, "steps": model.summary.get("steps")}
        row.update(correlation_gaps(real.x, synth.x))
        rows.append(row)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
    print(f"\nsummary {args.dataset} {args.label} {overrides} minutes={args.minutes} seeds={args.seeds}")
    for k in [k for k in rows[0] if isinstance(rows[0][k], float)]:
        v = np.array([r[k] for r in rows])
        se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
        print(f"  {k:20s} {v.mean():8.4f} ± {se:.4f}")


if __name__ == "__main__":
    main()
