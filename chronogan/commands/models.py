"""`chronogan models`: list the models in the store with their versions and scores."""

from __future__ import annotations

import argparse

from chronogan.artifacts.errors import ChronoganError
from chronogan.artifacts.evaluation import version_metrics
from chronogan.artifacts.store import ModelStore
from chronogan.commands.common import add_store, store_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list models, versions and the active version")
    add_store(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    store = ModelStore(store_of(args))
    names = store.list_models()
    if not names:
        print(f"no models in {store.root}")
    for name in names:
        active = store.active_version(name)
        print(name)
        for version in store.list_versions(name):
            try:
                manifest = store.read_manifest(name, version)
                metrics = version_metrics(store.version_dir(name, version), manifest)
                disc = metrics.get("discriminative", {}).get("mean")
                evaluated = (metrics.get("evaluation") or {}).get("discriminative", {}).get("mean")
                info = f"{manifest.model_type}, created {manifest.created_at}" + (
                    f", discriminative {disc:.3f}" if disc is not None else ""
                )
                if evaluated is not None:
                    info += f", evaluated discriminative {evaluated:.3f}"
            except ChronoganError as exc:
                info = f"unreadable: {exc}"
            print(f"  {'*' if version == active else ' '} {version}  {info}")
    return 0
