"""The `chronogan` command. Each subcommand lives in `chronogan/commands/<name>.py`.

Importing this module never imports torch: `train` and `evaluate` import the training package only when
they run, so the slim (serve-only) install can still `generate`, `serve` and run a `worker`.
Exit codes: 0 success, 2 user error (bad input, unknown model), 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from chronogan.artifacts.errors import ChronoganError, ConflictError, NotFoundError, UserInputError

# name -> module in chronogan.commands exposing add_parser(subparsers) and run(args) -> int
COMMANDS = ["train", "generate", "evaluate", "models", "sample-data", "serve", "worker"]

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chronogan", description="Synthetic time series from RNN-GANs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"chronogan.commands.{name.replace('-', '_')}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 on bad flags
    try:
        return int(args.run(args) or 0)
    except (UserInputError, NotFoundError, ConflictError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ChronoganError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
