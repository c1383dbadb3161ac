"""`chronogan train DATA --name NAME`: fit a model on a CSV/Parquet file and publish a new version."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chronogan.artifacts.choices import CONDITIONINGS, DEVICES, LOSSES, MODEL_TYPE_NAMES, SUPERVISED_LOSSES
from chronogan.artifacts.errors import UserInputError
from chronogan.commands.common import add_store, csv_list, store_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a model on a CSV/Parquet file and publish a new version",
        description="Train a TimeGAN or C-RNN-GAN model and publish it to the model store.",
    )
    p.add_argument("data", type=Path, help="CSV or Parquet file: one long series, or many entities (--sequence-key)")
    p.add_argument("--name", required=True, help="model name (letters, digits, _ - .)")
    add_store(p)
    p.add_argument(
        "--model",
        dest="model_type",
        choices=MODEL_TYPE_NAMES,
        default=None,
        help="default: the --config file's model_type, else timegan",
    )
    g = p.add_argument_group("schema")
    g.add_argument("--sequence-key", help="column identifying entities (each entity is one sequence)")
    g.add_argument("--time-column", help="datetime column (auto-detected when unambiguous)")
    g.add_argument("--categorical", type=csv_list, default=[], help="comma-separated columns to treat as categorical")
    g.add_argument("--numeric", type=csv_list, default=[], help="comma-separated columns to treat as numeric")
    g.add_argument("--context", type=csv_list, default=[], help="comma-separated static columns (one value per entity)")
    g.add_argument("--ignore", type=csv_list, default=[], help="comma-separated columns to leave out")
    g.add_argument("--max-columns", type=int, help="refuse tables with more columns than this (default 1000)")
    t = p.add_argument_group("training")
    t.add_argument("--seq-len", type=int, help="window length for one long series (default 24)")
    t.add_argument("--stride", type=int, help="window stride (default 1)")
    t.add_argument("--max-seq-len", type=int, help="entities longer than this are cut into pieces (default 256)")
    t.add_argument("--max-minutes", type=float, help="training time budget in minutes (0.5 = thirty seconds)")
    t.add_argument("--seed", type=int, help="random seed (default 0): same seed, same model")
    t.add_argument("--loss", choices=LOSSES, help="adversarial loss (default bce; docs/TRAINING.md compares them)")
    t.add_argument(
        "--supervised-loss",
        choices=SUPERVISED_LOSSES,
        help="error of the supervised and reconstruction terms: mse (default) or l1 (MAE)",
    )
    t.add_argument("--conditioning", choices=CONDITIONINGS, help="conditioning on context columns")
    t.add_argument(
        "--device",
        choices=DEVICES,
        help="where to train (default cpu; auto = cuda when torch sees a GPU; cuda without one is an error)",
    )
    t.add_argument("--config", type=Path, help="JSON file with any other config fields")
    t.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    t.add_argument(
        "--holdout",
        type=float,
        metavar="FRACTION",
        help="keep this fraction (0.05-0.5) out of training: a random share of the entities, or the final stretch "
        "of one series; recorded in the manifest so `chronogan evaluate` scores against data the model never saw",
    )
    t.add_argument(
        "--trials",
        type=int,
        metavar="K",
        help="train K runs side by side (seeds SEED..SEED+K-1, one process and core each, same time budget) and "
        "keep the one a validation score rates best (default 1)",
    )
    t.add_argument("--no-eval", action="store_true", help="skip the quick quality score after training")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {} if args.model_type is None else {"model_type": args.model_type}
    for key in (
        "sequence_key",
        "time_column",
        "seq_len",
        "stride",
        "max_seq_len",
        "max_columns",
        "max_minutes",
        "seed",
        "loss",
        "supervised_loss",
        "conditioning",
        "device",
        "holdout",
        "trials",
    ):
        value = getattr(args, key)
        if value is not None:
            options[key] = value
    for key in ("categorical", "numeric", "context", "ignore"):
        if getattr(args, key):
            options[key] = getattr(args, key)
    if args.config is not None:
        try:
            options["config"] = json.loads(args.config.read_text())
        except (OSError, ValueError) as exc:
            raise UserInputError(f"--config {args.config}: cannot read JSON ({exc})") from exc
    if args.no_eval:
        options["evaluate"] = False
    return options


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UserInputError("training needs PyTorch: pip install -c constraints.txt 'chronogan[train]'") from None
    from chronogan.training.api import train_version

    store = store_of(args)
    log = (lambda m: None) if args.quiet else (lambda m: print(m, file=sys.stderr))
    version, metrics = train_version(
        args.data,
        name=args.name,
        store=store,
        options=_options(args),
        progress=not args.quiet,
        log=log,
        checkpoint_dir=store / ".checkpoints" / args.name,
        resume=args.resume,
    )
    folder = store / args.name / version
    manifest = json.loads((folder / "manifest.json").read_text())
    summary = manifest.get("history_summary", {})
    print(f"trained {args.name} {version} -> {folder}")
    if summary:
        seconds = summary.get("seconds", {}).get("total", 0.0)
        steps = ", ".join(f"{phase} {n}" for phase, n in summary.get("steps", {}).items())
        ended = ", ".join(f"{phase}: {why}" for phase, why in summary.get("ended_by", {}).items())
        print(f"  {seconds:.1f}s of training; steps: {steps} (ended by {ended})")
        if summary.get("stopped_early_reason"):
            print(f"  stopped early: {summary['stopped_early_reason']}")
        trials = summary.get("trials")
        if trials:
            scores = ", ".join("failed" if v is None else f"{v:.3f}" for v in trials["scores"])
            print(f"  kept trial {trials['chosen']} of {trials['count']} (validation scores {scores})")
        for warning in summary.get("warnings", []):
            print(f"  warning: {warning}")
    holdout = (metrics or {}).get("holdout")
    if holdout:
        what = f"{len(holdout['keys'])} entities" if holdout["kind"] == "entities" else "the final stretch"
        print(f"  held out {what} ({holdout['fraction']:.0%} of the data) for evaluation")
    disc = (metrics or {}).get("discriminative")
    if disc:
        against = "the held-out data" if holdout else "the training data"
        print(f"  quick discriminative score {_score_text(disc, against)}")
    return 0


def _score_text(disc: dict[str, Any], against: str) -> str:
    """`0.057 ± 0.010 (standard error over 2 classifier runs; 0 = ...)`; manifests written before the runs
    were kept give the mean alone."""
    meaning = f"0 = indistinguishable from {against}"
    runs = disc.get("values") or []
    if len(runs) < 2 or disc.get("se") is None:
        return f"{disc['mean']:.3f} ({meaning})"
    return f"{disc['mean']:.3f} ± {disc['se']:.3f} (standard error over {len(runs)} classifier runs; {meaning})"
