"""Argmax vs sampled categorical decoding on the same trained networks (`sample_categories`), so the
comparison is paired: one training run per data set, then both decodings exported, generated with
onnxruntime and scored exactly as the fidelity suite scores (same hold-out, classifier, repeats). Also
prints each categorical column's value frequencies: held-out real vs each decoding.

    OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/categorical_decoding.py --datasets seattle_weather
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from suite.datasets import REPO, select  # noqa: E402
from suite.runner import HOLDOUT, _in_scale  # noqa: E402
from suite.scoring import default_repeats, score  # noqa: E402


def frequencies(table: Any, columns: list[str]) -> dict[str, dict[str, float]]:
    return {c: {str(k): round(float(v), 3) for k, v in table[c].value_counts(normalize=True).items()} for c in columns}


def run(name: str, *, minutes: float, seed: int, steps_scale: float) -> dict[str, Any]:
    from chronogan.training import SchemaOptions
    from chronogan.training.config import config_from_dict
    from chronogan.training.data.holdout import split_holdout
    from chronogan.training.quality import encode_real, encode_synthetic
    from chronogan.training.registry import entry_for_config

    from chronogan.artifacts.runtime import LoadedModel

    (data,) = select(name)
    df, options = data.load(), SchemaOptions(**data.options)
    config = config_from_dict({"model_type": "timegan", **data.shape, "max_minutes": minutes, "seed": seed})
    train_df, held_df, _ = split_holdout(df, options, HOLDOUT, seq_len=config.seq_len, seed=seed)
    model = entry_for_config(config).estimator_class()(config)
    t0 = time.perf_counter()
    model.fit(train_df, options, progress=False, log=lambda _m: None)
    out: dict[str, Any] = {"dataset": name, "train_wall_s": time.perf_counter() - t0, "steps": model.summary["steps"]}
    columns = [c.name for c in model.schema.categorical_columns if not c.is_context]
    out["real_frequencies"] = frequencies(held_df, columns)
    for decoding in ("argmax", "sample"):
        model.config.sample_categories = decoding == "sample"
        with tempfile.TemporaryDirectory() as tmp:
            served = LoadedModel.load(model.save(Path(tmp) / "v1", name=name))
        schema = served.schema
        train, held = encode_real(train_df, schema), encode_real(held_df, schema)
        table = served.generate(held.n_sequences, seed=seed + 1)
        synth = encode_synthetic(table, schema)
        arrays = _in_scale(data, schema, train.x, held.x, synth.x)
        scores = score(
            arrays[1], held.lengths, arrays[2], synth.lengths, arrays[0], train.lengths,
            repeats=default_repeats(held.n_sequences), steps_scale=steps_scale, seed=seed,
        )  # fmt: skip
        out[decoding] = {"frequencies": frequencies(table, columns), **scores}
        disc, floor = scores["discriminative"], scores["floor"]
        print(
            f"{name} {decoding}: disc {disc['mean']:.3f} ± {disc['se']:.3f}, floor {floor['mean']:.3f}, "
            f"{out[decoding]['frequencies']} (real {out['real_frequencies']})",
            flush=True,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="seattle_weather,energy")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-steps-scale", type=float, default=0.25)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "categorical-decoding.json")
    args = parser.parse_args()
    rows = [
        run(n, minutes=args.minutes, seed=args.seed, steps_scale=args.eval_steps_scale)
        for n in args.datasets.split(",")
    ]
    conditions = {"minutes": args.minutes, "seed": args.seed, "eval_steps_scale": args.eval_steps_scale}
    args.out.write_text(json.dumps({"conditions": conditions, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
