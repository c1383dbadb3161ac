"""`python -m chronogan.training.trial_worker JOB.json`: one trial of `chronogan.training.trials`, in its own
interpreter; writes `trial-<i>.result.json` beside the job file (atomically: the parent reads a whole outcome
or none)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from chronogan.training.trials import run_trial

    job_file = Path(argv[0])
    job = json.loads(job_file.read_text())
    result = run_trial(job)
    out = job_file.with_name(f"trial-{job['index']}.result.json")
    partial = out.with_suffix(".part")
    partial.write_text(json.dumps(result.to_json()))
    partial.replace(out)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
