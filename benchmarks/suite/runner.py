"""The fidelity suite: for each data set, hold out real data, train with the defaults within one budget,
generate with onnxruntime (what the service serves), score against the held-out part, print one table.

    .venv/bin/python benchmarks/fidelity.py --suite                                  # every data set
    .venv/bin/python benchmarks/fidelity.py --suite --datasets sines,gunpoint --minutes 2 --repeats 3
    .venv/bin/python benchmarks/fidelity.py --suite --reference dgan                 # + the DGAN peer row

The held-out part is split off the raw table before anything is fitted (a random 20% of the entities,
or the final 20% of a single series), so no score here rewards memorising. JSON goes to
benchmarks/results/suite-<label>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import REPO, SuiteData, select
from .scoring import default_repeats, score
from .table import render

HOLDOUT = 0.2


def run_one(
    data: SuiteData,
    *,
    minutes: float,
    seed: int,
    repeats: int | None,
    steps_scale: float,
    settings: dict[str, Any],
    reference: str | None = None,
    reference_only: bool = False,
    log=print,
) -> list[dict[str, Any]]:
    """The chronogan row for `data` (and the reference peer's, when asked and the set is fixed-length).
    `reference_only`: the peer's row alone, on the same split and encoding (no chronogan training)."""
    from chronogan.training import SchemaOptions
    from chronogan.training.config import config_from_dict
    from chronogan.training.data.holdout import split_holdout
    from chronogan.training.quality import encode_real, encode_synthetic
    from chronogan.training.registry import entry_for_config

    from chronogan.artifacts.runtime import LoadedModel

    df = data.load()
    options = SchemaOptions(**data.options)
    config = config_from_dict({**settings, **data.shape, "max_minutes": minutes, "seed": seed})
    train_df, held_df, spec = split_holdout(df, options, HOLDOUT, seq_len=config.seq_len, seed=seed)
    if reference_only:
        if not data.fixed_length:
            return []
        from chronogan.training.data.infer import prepare_table

        schema = prepare_table(train_df, options, config.sequence_shape()).schema
    else:
        estimator = entry_for_config(config).estimator_class()(config)
        t0 = time.perf_counter()
        model = estimator.fit(train_df, options, progress=False, log=lambda _m: None)
        train_wall = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            model.save(Path(tmp) / "v1", name=data.name)
            served = LoadedModel.load(Path(tmp) / "v1")
        schema = served.schema
    train, held = encode_real(train_df, schema), encode_real(held_df, schema)
    reps = repeats or default_repeats(held.n_sequences)
    common = {
        "dataset": data.name,
        "source": data.source,
        "covers": list(data.covers),
        "holdout": spec.to_dict() | {"keys": len(spec.keys)},
        "train_sequences": int(train.n_sequences),
        "heldout_sequences": int(held.n_sequences),
        "seq_len": int(held.x.shape[1]),
        "channels": int(held.x.shape[2]),
        "budget_minutes": minutes,
    }
    rows: list[dict[str, Any]] = []
    if not reference_only:
        synth = encode_synthetic(served.generate(held.n_sequences, seed=seed + 1), schema)
        arrays = _in_scale(data, schema, train.x, held.x, synth.x)
        t1 = time.perf_counter()
        scores = score(
            arrays[1], held.lengths, arrays[2], synth.lengths, arrays[0], train.lengths,
            repeats=reps, steps_scale=steps_scale, seed=seed,
        )  # fmt: skip
        steps = model.summary.get("steps") or {}
        rows.append(
            {
                **common,
                "model": f"chronogan {config.model_type}",
                "config": config.to_dict(),
                "iterations": int(sum(steps.values())),
                "steps": steps,
                "selection": model.summary.get("selection"),
                "train_wall_s": train_wall,
                "eval_wall_s": time.perf_counter() - t1,
                **scores,
            }
        )
        log(render(rows, summary=False))
    if (reference == "dgan" or reference_only) and data.fixed_length:
        from .dgan import fit_generate

        t2 = time.perf_counter()
        fake, info = fit_generate(train.x, n=held.n_sequences, minutes=minutes, seed=seed)
        dgan_wall = time.perf_counter() - t2
        fake_arrays = _in_scale(data, schema, train.x, held.x, fake)
        peer = score(
            fake_arrays[1], held.lengths, fake_arrays[2], np.full(len(fake), held.x.shape[1]), fake_arrays[0],
            train.lengths, repeats=reps, steps_scale=steps_scale, seed=seed,
        )  # fmt: skip
        rows.append({**common, "model": "DGAN (gretel-synthetics)", "config": info, "iterations": info["iterations"],
                     "train_wall_s": dgan_wall, **peer})  # fmt: skip
        log(render(rows[-1:], summary=False))
    return rows


def _in_scale(data: SuiteData, schema: Any, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays as scored: the model's [0, 1] encoding, or (Sines) the data's own units, as in TimeGAN."""
    if data.eval_scale != "native":
        return list(arrays)
    lo = np.array([c.minimum for c in schema.numeric_columns], dtype=np.float32)
    hi = np.array([c.maximum for c in schema.numeric_columns], dtype=np.float32)
    return [x * (hi - lo) + lo for x in arrays]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="chronogan fidelity suite")
    parser.add_argument("--suite", action="store_true", help="(accepted for `fidelity.py --suite`)")
    parser.add_argument("--datasets", default="all", help="comma-separated names (default: all)")
    parser.add_argument("--minutes", type=float, default=10.0, help="training budget per data set")
    parser.add_argument(
        "--repeats", type=int, default=None, help="classifier repeats (default 10 on small sets, else 5)"
    )
    parser.add_argument("--eval-steps-scale", type=float, default=1.0, help="scale the protocol's steps (1 = paper)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", choices=["timegan", "crnngan"], default="timegan", help="its default config")
    parser.add_argument("--config", type=Path, default=None, help="a config JSON (with model_type) instead of --model")
    parser.add_argument("--reference", choices=["dgan"], default=None, help="also run a peer on the fixed-length sets")
    parser.add_argument("--reference-only", action="store_true", help="the peer's rows alone (fixed-length sets)")
    parser.add_argument("--label", default=None, help="result file suffix (default: a UTC timestamp)")
    parser.add_argument("--out-dir", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    settings = json.loads(args.config.read_text()) if args.config else {"model_type": args.model}
    rows: list[dict[str, Any]] = []
    for data in select(args.datasets):
        rows.extend(
            run_one(
                data, minutes=args.minutes, seed=args.seed, repeats=args.repeats,
                steps_scale=args.eval_steps_scale, settings=settings, reference=args.reference,
                reference_only=args.reference_only,
            )
        )  # fmt: skip
    label = args.label or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = args.out_dir / f"suite-{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    conditions = {
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "minutes": args.minutes,
        "eval_steps_scale": args.eval_steps_scale,
        "seed": args.seed,
        "holdout": HOLDOUT,
    }
    out.write_text(json.dumps({"conditions": conditions, "rows": rows}, indent=2, default=float) + "\n")
    print()
    print(render(rows, summary=True))
    print(f"\nwrote {out}")
