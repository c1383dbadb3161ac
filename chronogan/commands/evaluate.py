"""`chronogan evaluate NAME --data FILE`: TimeGAN-protocol fidelity report (HTML + JSON) for a model version.

Synthetic data comes from the served artifact (onnxruntime), so the report describes exactly what the
service returns; `--synthetic FILE` scores a file written earlier by `chronogan generate` (or the API)
instead. The headline scores are also recorded beside the version (`<version>/evaluation/latest.json`; the
published manifest is never rewritten), and `chronogan models` and the service show them.

A model trained with `chronogan train --holdout FRACTION` recorded which part of its file it never saw;
evaluate then splits `--data` the same way and scores the synthetic data against that part (`--holdout`
insists on it). `--holdout-data FILE` scores against a separate file of real data the model never saw
instead. Held-out data also enables the privacy check (distance to closest record). Every score is printed
beside its real-vs-real floor: the same classifier on two real sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.schema import TableSchema
from chronogan.commands.common import add_store, store_of

if TYPE_CHECKING:
    import pandas as pd


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="fidelity report (discriminative/predictive scores, plots) for a model")
    p.add_argument("name", help="model name")
    p.add_argument("--data", type=Path, required=True, help="the real data (normally the training file)")
    p.add_argument(
        "--holdout-data",
        type=Path,
        default=None,
        help="a file of real data the model never saw (same columns): the scores compare the synthetic data "
        "with it, and it enables the privacy check (distance to closest record, synthetic vs hold-out); "
        "takes the place of a held-out part recorded by `train --holdout`",
    )
    p.add_argument("--version", default=None, help="model version (default: the active one)")
    p.add_argument("--out", type=Path, default=None, help="HTML report path (default: <name>-<version>-report.html)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, help="metrics JSON path (default: beside --out)")
    source = p.add_mutually_exclusive_group()  # a file decides its own number of sequences
    source.add_argument(
        "--synthetic",
        type=Path,
        default=None,
        help="score this file (e.g. the output of `chronogan generate`) instead of sampling the model; "
        "its scores are not recorded with the version",
    )
    source.add_argument("--n", type=int, default=None, help="synthetic sequences (default: as many as real ones)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="fewer classifier steps and repeats (minutes -> seconds)")
    p.add_argument(
        "--holdout",
        action="store_true",
        help="score against the held-out part recorded by `train --holdout` (an error if the model has none); "
        "used by default whenever the model has one",
    )
    p.add_argument("--no-manifest", action="store_true", help="do not record the scores with the version")
    add_store(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UserInputError("evaluation needs PyTorch: pip install -c constraints.txt 'chronogan[train]'") from None
    from chronogan.artifacts.evaluation import write_evaluation
    from chronogan.artifacts.runtime import LoadedModel
    from chronogan.artifacts.store import ModelStore
    from chronogan.training.evaluation.report import build_report
    from chronogan.training.quality import (
        EVAL_THREADS,
        encode_real,
        encode_synthetic,
        feature_names,
        real_table_for,
        synthetic_table,
    )
    from chronogan.training.trainer.threads import torch_threads

    store = ModelStore(store_of(args))
    version = store.resolve(args.name, args.version)
    folder = store.version_dir(args.name, version)
    model = LoadedModel.load(folder)
    schema = model.schema
    recorded = model.manifest.metrics.get("holdout")
    if args.holdout and not recorded:
        raise UserInputError(
            f"{args.name} {version} was trained without a holdout; retrain with `chronogan train --holdout 0.2`, "
            "pass unseen data with --holdout-data FILE, or evaluate without --holdout",
            field="holdout",
        )
    if args.holdout and args.holdout_data is not None:
        raise UserInputError(
            "--holdout (the part recorded at training) and --holdout-data FILE both name the held-out data; pass one",
            field="holdout",
        )
    train_part, held_part = _parts(args.data, schema, recorded)
    if args.holdout_data is not None:
        held_part = args.holdout_data
    real = encode_real(train_part, schema)
    held = None if held_part is None else encode_real(held_part, schema)
    scored = real if held is None else held
    if args.synthetic is not None:
        table = synthetic_table(args.synthetic, schema)
    else:
        table = model.generate(args.n or scored.n_sequences, seed=args.seed)
    synth = encode_synthetic(table, schema)
    history = json.loads((folder / "history.json").read_text()) if (folder / "history.json").is_file() else None
    loss = model.manifest.config.get("loss", "bce")
    against = "training" if held is None else "held-out"
    print(
        f"evaluating {args.name} {version}: {scored.n_sequences} {against} real vs {synth.n_sequences} synthetic "
        "sequences",
        file=sys.stderr,
    )

    with torch_threads(EVAL_THREADS):
        metrics, html = build_report(
            real.x,
            synth.x,
            feature_names=feature_names(real.layout, schema),
            lengths_real=real.lengths,
            lengths_synth=synth.lengths,
            history=history,
            equilibrium=loss,  # every trainer loss name resolves to its equilibrium (None for began)
            quick=args.quick,
            seed=args.seed,
            real_table=real_table_for(train_part if held_part is None else held_part, schema),
            synth_table=table,
            categorical_columns=[c.name for c in schema.columns if not c.is_numeric],
            missing_columns=[c.name for c in schema.columns if c.is_numeric],
            title=f"chronogan fidelity report: {args.name} {version}",
            holdout=None if held is None else held.x,
            lengths_holdout=None if held is None else held.lengths,
        )
    out = args.out or Path(f"{args.name}-{version}-report.html")
    json_out = args.json_out or out.with_suffix(".json")
    out.write_text(html)
    json_out.write_text(json.dumps(metrics, indent=2) + "\n")
    if not args.no_manifest and args.synthetic is None:  # only the model's own samples describe the version
        write_evaluation(folder, _headline(metrics))
    for line in summary_lines(metrics):
        print(line)
    print(f"wrote {out} and {json_out}")
    return 0


def _parts(
    data: Path, schema: TableSchema, recorded: dict | None
) -> tuple[Path | pd.DataFrame, Path | pd.DataFrame | None]:
    """(training rows, held-out rows) of `data` as the model's recorded holdout says; (data, None) without one."""
    from chronogan.training.data.holdout import HoldoutSpec, apply_holdout
    from chronogan.training.data.infer import options_like
    from chronogan.training.data.io import read_table

    if not recorded:
        return data, None
    return apply_holdout(read_table(data), HoldoutSpec.from_dict(recorded), options_like(schema))


def summary_lines(metrics: dict) -> list[str]:
    """The scores as printed: each with its standard error and the real-vs-real floor beside it."""
    nan = float("nan")
    disc, floor = metrics.get("disc") or {}, metrics.get("disc_floor") or {}
    pred, trtr = metrics.get("pred") or {}, metrics.get("predictive_train_on_real") or {}
    floor_text = (
        f"real-vs-real floor {floor.get('mean', nan):.3f} ± {floor.get('se', nan):.3f} ({floor.get('kind')})"
        if floor
        else "no real-vs-real floor (too few real sequences)"
    )
    lines = [
        f"discriminative {disc.get('mean', nan):.3f} ± {disc.get('se', nan):.3f} against the "
        f"{metrics.get('disc_against', 'real data')}; {floor_text}; ± is the standard error over "
        f"{disc.get('repeats', 0)} repeats"
    ]
    if pred:
        lines.append(
            f"predictive {pred.get('mean', nan):.3f} ± {pred.get('se', nan):.3f}; "
            f"train-on-real floor {trtr.get('mean', nan):.3f} ± {trtr.get('se', nan):.3f}"
        )
    privacy = metrics.get("privacy")
    if privacy:
        lines.append(
            f"privacy {'passed' if privacy['passed'] else 'FAILED'}: {privacy['share_closer_to_training']:.0%} of "
            f"synthetic sequences closer to training than hold-out, DCR ratio {privacy['dcr_ratio']:.2f}, "
            f"{privacy['n_exact_copies']} exact copies"
        )
    if metrics.get("disc_against") == "training data":
        lines.append(
            "note: scored against the training data; train with --holdout 0.2 (or pass --holdout-data FILE) to "
            "score against unseen data"
        )
    return lines


def _headline(metrics: dict) -> dict:
    keep = {
        "disc": "discriminative",
        "disc_floor": "discriminative_floor",
        "disc_against": "discriminative_against",
        "pred": "predictive",
        "predictive_train_on_real": "predictive_train_on_real",
        "protocol": "protocol",
        "memorisation": "memorisation",
        "privacy": "privacy",
    }
    out = {name: metrics[key] for key, name in keep.items() if key in metrics}
    if isinstance(out.get("memorisation"), dict):
        out["memorisation"] = {k: v for k, v in out["memorisation"].items() if not isinstance(v, list | dict)}
    return out
