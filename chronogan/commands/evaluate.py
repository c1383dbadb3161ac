"""`chronogan evaluate NAME --data FILE`: TimeGAN-protocol fidelity report (HTML + JSON) for a model version.

Synthetic data comes from the served artifact (onnxruntime), so the report describes exactly what the
service returns; `--synthetic FILE` scores a file written earlier by `chronogan generate` (or the API)
instead. The headline scores are also recorded beside the version (`<version>/evaluation/latest.json`; the
published manifest is never rewritten), and `chronogan models` and the service show them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chronogan.artifacts.errors import UserInputError
from chronogan.commands.common import add_store, store_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="fidelity report (discriminative/predictive scores, plots) for a model")
    p.add_argument("name", help="model name")
    p.add_argument("--data", type=Path, required=True, help="the real data (normally the training file)")
    p.add_argument(
        "--holdout",
        type=Path,
        default=None,
        help="real data the model never saw (same columns): enables the privacy check (distance to closest "
        "record, synthetic vs hold-out) and the memorisation check against it",
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
    real = encode_real(args.data, schema)
    if args.synthetic is not None:
        table = synthetic_table(args.synthetic, schema)
    else:
        table = model.generate(args.n or real.n_sequences, seed=args.seed)
    synth = encode_synthetic(table, schema)
    holdout = encode_real(args.holdout, schema) if args.holdout is not None else None
    history = json.loads((folder / "history.json").read_text()) if (folder / "history.json").is_file() else None
    loss = model.manifest.config.get("loss", "bce")
    print(
        f"evaluating {args.name} {version}: {real.n_sequences} real vs {synth.n_sequences} synthetic sequences",
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
            equilibrium=loss if loss in ("bce", "lsgan") else None,
            quick=args.quick,
            seed=args.seed,
            holdout=holdout.x if holdout is not None else None,
            lengths_holdout=holdout.lengths if holdout is not None else None,
            real_table=real_table_for(args.data, schema),
            synth_table=table,
            categorical_columns=[c.name for c in schema.columns if not c.is_numeric],
            missing_columns=[c.name for c in schema.columns if c.is_numeric],
            title=f"chronogan fidelity report: {args.name} {version}",
        )
    out = args.out or Path(f"{args.name}-{version}-report.html")
    json_out = args.json_out or out.with_suffix(".json")
    out.write_text(html)
    json_out.write_text(json.dumps(metrics, indent=2) + "\n")
    if not args.no_manifest and args.synthetic is None:  # only the model's own samples describe the version
        write_evaluation(folder, _headline(metrics))
    disc, pred = metrics.get("disc") or {}, metrics.get("pred") or {}
    print(
        f"discriminative {disc.get('mean', float('nan')):.3f} ± {disc.get('std', float('nan')):.3f}, "
        f"predictive {pred.get('mean', float('nan')):.3f} ± {pred.get('std', float('nan')):.3f}"
    )
    privacy = metrics.get("privacy")
    if privacy:
        print(
            f"privacy {'passed' if privacy['passed'] else 'FAILED'}: {privacy['share_closer_to_training']:.0%} of "
            f"synthetic sequences closer to training than hold-out, DCR ratio {privacy['dcr_ratio']:.2f}, "
            f"{privacy['n_exact_copies']} exact copies"
        )
    print(f"wrote {out} and {json_out}")
    return 0


def _headline(metrics: dict) -> dict:
    keep = {
        "disc": "discriminative",
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
