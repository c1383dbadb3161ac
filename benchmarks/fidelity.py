"""Fidelity benchmark on the TimeGAN data sets (Sines, Stocks), seq_len 24, default settings.

For each data set: train with the default config within a wall-clock budget (default 10 minutes), publish
the artifact, generate as many sequences as there are real ones with onnxruntime (what the service serves),
and score them with the TimeGAN protocol (discriminative: 2,000 steps x 5 repeats; predictive: 5,000 steps
x 5 repeats, plus the train-on-real floor). Prints a table and writes JSON next to BENCHMARKS.md.

    .venv/bin/python benchmarks/fidelity.py                # both data sets, 10 minutes each
    .venv/bin/python benchmarks/fidelity.py --datasets stocks --minutes 10
    .venv/bin/python benchmarks/fidelity.py --datasets stocks --model crnngan   # C-RNN-GAN's defaults
    .venv/bin/python benchmarks/fidelity.py --suite [--datasets a,b --minutes 2 --repeats 3]   # the suite

`--suite` runs the fidelity suite instead (benchmarks/suite: >= 8 data sets, held-out scoring, floor);
see benchmarks/suite/runner.py.

Stocks are min-max scaled per feature (as in the protocol) and kept chronological for real and synthetic
alike. Sines are evaluated in their own units ([0, 1] by construction, no further scaling).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
STOCKS = REPO.parent / "shared" / "data" / "stock_data.csv"
PUBLISHED = {
    "sines": {"TimeGAN (paper)": (0.011, 0.093), "Diffusion-TS (ICLR 2024)": (0.006, 0.093)},
    "stocks": {"TimeGAN (paper)": (0.102, 0.038), "Diffusion-TS (ICLR 2024)": (0.067, 0.036)},
}


def sines_table(seed: int) -> pd.DataFrame:
    from chronogan.training.evaluation.datasets import sines

    x = sines(n=10000, seq_len=24, dim=5, seed=seed)
    n, t, f = x.shape
    df = pd.DataFrame(x.reshape(n * t, f), columns=[f"f{i}" for i in range(f)])
    df.insert(0, "sample", np.repeat(np.arange(n), t))
    return df


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(name: str, minutes: float, seed: int, steps_scale: float, settings: dict) -> dict:
    """`settings`: config fields with `model_type` (budget and seed are set here)."""
    from chronogan.training import CRNNGAN, SchemaOptions, TimeGAN
    from chronogan.training.config import config_from_dict
    from chronogan.training.evaluation.discriminative import discriminative_score
    from chronogan.training.evaluation.predictive import predictive_score, predictive_train_on_real
    from chronogan.training.quality import EVAL_THREADS, encode_real, encode_synthetic
    from chronogan.training.trainer.threads import torch_threads

    from chronogan.artifacts.runtime import LoadedModel

    if name == "sines":
        data: pd.DataFrame | Path = sines_table(seed)
        options = SchemaOptions(sequence_key="sample", numeric=[f"f{i}" for i in range(5)])
    else:
        data, options = STOCKS, SchemaOptions()
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    config = config_from_dict({**settings, "max_minutes": minutes, "seed": seed})
    estimator = TimeGAN(config) if config.model_type == "timegan" else CRNNGAN(config)  # type: ignore[arg-type]
    model = estimator.fit(data, options, progress=False, log=print)
    train_wall, train_cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "v1", name=name)
        served = LoadedModel.load(Path(tmp) / "v1")
        real = encode_real(data, served.schema)
        table = served.generate(real.n_sequences, seed=seed + 1)
    synth = encode_synthetic(table, served.schema)
    if name == "sines":  # evaluate in the data's own units: undo our min-max scaling
        lo = np.array([c.minimum for c in served.schema.numeric_columns], dtype=np.float32)
        hi = np.array([c.maximum for c in served.schema.numeric_columns], dtype=np.float32)
        real_x, synth_x = real.x * (hi - lo) + lo, synth.x * (hi - lo) + lo
    else:
        real_x, synth_x = real.x, synth.x
    disc_steps, pred_steps = int(2000 * steps_scale), int(5000 * steps_scale)
    t0 = time.perf_counter()
    with torch_threads(EVAL_THREADS):
        disc = discriminative_score(real_x, synth_x, steps=disc_steps, repeats=5, seed=seed)
        pred = predictive_score(real_x, synth_x, steps=pred_steps, repeats=5, seed=seed)
        floor = predictive_train_on_real(real_x, steps=pred_steps, repeats=5, seed=seed)
    return {
        "dataset": name,
        "model": config.model_type,
        "config": config.to_dict(),
        "real_sequences": int(real.n_sequences),
        "synthetic_sequences": int(synth.n_sequences),
        "budget_minutes": minutes,
        "train_wall_s": train_wall,
        "train_cpu_s": train_cpu,
        "steps": model.summary.get("steps"),
        "warnings": model.summary.get("warnings", []),
        "discriminative": disc.to_dict(),
        "predictive": pred.to_dict(),
        "predictive_train_on_real": floor.to_dict(),
        "eval_s": time.perf_counter() - t0,
        "cores": os.cpu_count(),
    }


def main() -> None:
    import sys

    if "--suite" in sys.argv[1:]:
        from suite.runner import main as suite_main

        suite_main(sys.argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["sines", "stocks"], choices=["sines", "stocks"])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model", choices=["timegan", "crnngan"], default="timegan", help="its default config")
    parser.add_argument("--config", type=Path, default=None, help="a config JSON (with model_type) instead of --model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-steps-scale", type=float, default=1.0, help="scale the protocol's steps (1 = paper)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "fidelity.json")
    args = parser.parse_args()
    settings = json.loads(args.config.read_text()) if args.config else {"model_type": args.model}
    results = []
    for name in args.datasets:
        result = run(name, args.minutes, args.seed, args.eval_steps_scale, settings)
        results.append(result)
        print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    suffix = "" if settings["model_type"] == "timegan" else f"-{settings['model_type']}"
    previous.update({r["dataset"] + suffix: r for r in results})
    args.out.write_text(json.dumps(previous, indent=2) + "\n")
    print("\n| data set | disc (mean ± std) | pred (mean ± std) | train-on-real pred | train wall / CPU |")
    print("|---|---|---|---|---|")
    for r in results:
        d, p, f = r["discriminative"], r["predictive"], r["predictive_train_on_real"]
        print(
            f"| {r['dataset']} ({r['model']}) | {d['mean']:.3f} ± {d['std']:.3f} | {p['mean']:.3f} ± {p['std']:.3f} | "
            f"{f['mean']:.3f} | {r['train_wall_s']:.0f} s / {r['train_cpu_s']:.0f} s |"
        )
        for paper, (pd_, pp) in PUBLISHED[r["dataset"]].items():
            print(f"| {r['dataset']}: {paper} | {pd_:.3f} | {pp:.3f} | | |")


if __name__ == "__main__":
    main()
