"""`python -m chronogan.training.trial_worker JOB.json`: one trial of `chronogan.training.trials`, in its own
interpreter; its outcome goes to the file the parent reads (`trials.write_result`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from chronogan.training.trials import run_trial, write_result

    job = json.loads(Path(argv[0]).read_text())
    result = run_trial(job)
    write_result(Path(job["out_dir"]), result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
