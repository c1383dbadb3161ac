"""`trials`: K training runs side by side, one process each, and the best one kept by a validation score.

Why: training takes one thread (`GANConfig.num_threads`), so on a machine with more cores the others sit
idle, and a GAN's outcome varies a lot from seed to seed in a short budget (the demo model scored 0.156
with one seed and 0.312 with another after the same three minutes). K runs on K cores cost the same wall
clock as one, and keeping the best of them removes much of that luck.

Trial i trains with `seed + i`, so trial 0 is exactly the run `trials=1` makes. Every trial is scored the
same way (`trial_score`: a discriminative score of its decoded samples against the *training* sequences,
with the same real sequences and classifier seeds for every trial, and seeds other than the quick score's,
so the quick score the manifest reports is not the number the choice was made on). Ties keep the lower
index. With a step-capped config (no `max_minutes`) the same seed gives the same trials, the same choice
and the same bytes.

Each trial is a fresh interpreter (`python -m chronogan.training.trial_worker JOB.json`), never a fork (torch's
thread pools, and the service's threads, do not survive one) and never multiprocessing's spawn (which re-runs
the caller's main script: a user script without an `if __name__ == "__main__"` guard would train again in
every trial). The job is a JSON file (config, data path, holdout, deadline); the trial writes its progress,
its messages and its outcome as files beside it, and a complete artifact folder that the winner is loaded
back from.
A trial that fails on the user's input fails the whole run with that message; one that fails otherwise
(killed, out of memory) is reported and left out, as long as one trial succeeds.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chronogan.training.config import GANConfig
from chronogan.training.data.options import SchemaOptions

from chronogan.artifacts.choices import MAX_TRIALS
from chronogan.artifacts.errors import UserInputError

# The trial score uses the quick score's classifier budget (a choice between trials deserves at least the
# precision the manifest reports), on other seeds than the quick score's 0.
TRIAL_SCORE_SEED = 1
POLL_SECONDS = 0.5
WORKER_MODULE = "chronogan.training.trial_worker"


def check_trials(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TRIALS:
        raise UserInputError(f"trials must be an integer from 1 to {MAX_TRIALS}, got {value!r}", field="options.trials")
    return value


@dataclass
class TrialResult:
    index: int
    seed: int
    ok: bool
    score: float | None = None
    folder: Path | None = None
    error: str | None = None
    user_error: bool = False
    seconds: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["folder"] = None if self.folder is None else str(self.folder)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialResult:
        folder = data.get("folder")
        return cls(**{**data, "folder": None if folder is None else Path(folder)})


def trial_score(model: Any, data: Any) -> float:
    """A fitted model's score among trials (lower is better): the quick discriminative score's protocol
    against the training data, with samples and classifiers seeded apart from the quick score."""
    from chronogan.training.quality import quick_score

    return float(quick_score(model, data, seed=TRIAL_SCORE_SEED).mean)


def _write_atomic(path: Path, text: str) -> None:
    """Readers in the other process see the old content or the new, never half a file."""
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(text)
    partial.replace(path)


def _result_file(folder: Path, index: int) -> Path:
    return folder / f"trial-{index}.result.json"


def write_result(folder: Path, result: TrialResult) -> None:
    """The trial's outcome, where the parent (`_wait`) looks for it."""
    _write_atomic(_result_file(folder, result.index), json.dumps(result.to_json()))


def fit_trials(
    config: GANConfig,
    path: Path,
    schema: SchemaOptions,
    trials: int,
    *,
    holdout: float | None = None,
    fingerprint: dict[str, Any] | None = None,
    warm_dir: Path | None = None,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    training_seconds: Callable[[], float] | None = None,
    log: Callable[[str], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Any:
    """Train `trials` models side by side on the file at `path` (seeds `config.seed + i`; with `holdout`,
    each leaves out the same part, split with `config.seed`) and return the best-scoring one, loaded, with
    `summary["trials"]` saying what was tried and chosen. `training_seconds()` is asked once, now: every
    trial stops training at the same moment."""
    from chronogan.training.estimator import load

    trials = check_trials(trials)
    say = log or (lambda _m: None)
    cores = os.cpu_count() or 1
    say(
        f"training {trials} trials side by side (seeds {config.seed}..{config.seed + trials - 1}), "
        "the best kept by a validation score"
    )
    if trials > cores:
        say(f"note: {trials} trials share {cores} cores, so each trains less within the budget")
    deadline = None if training_seconds is None else time.time() + training_seconds()
    seeds = [config.seed + i for i in range(trials)]
    with tempfile.TemporaryDirectory(prefix="chronogan-trials-") as tmp:
        folder = Path(tmp)
        processes = []
        try:
            for i, seed in enumerate(seeds):
                job = {
                    "index": i,
                    "config": dataclasses.replace(config, seed=seed).to_dict(),
                    "data": str(Path(path).resolve()),
                    "holdout": holdout,
                    "split_seed": config.seed,
                    "schema": dataclasses.asdict(schema),
                    "out_dir": str(folder),
                    "fingerprint": dict(fingerprint or {}),
                    "warm_dir": None if warm_dir is None else str(warm_dir),
                    "checkpoint_dir": None if checkpoint_dir is None else str(checkpoint_dir / f"trial-{i}"),
                    "resume": resume,
                    "deadline": deadline,
                    "launched": time.time(),
                    "log": i == 0,  # one trial's messages are enough: they all read the same data
                }
                job_file = folder / f"trial-{i}.job.json"
                job_file.write_text(json.dumps(job))
                processes.append(subprocess.Popen([sys.executable, "-m", WORKER_MODULE, str(job_file)]))
            outcomes = _wait(processes, seeds, folder, say, on_progress)
        finally:
            for p in processes:
                if p.poll() is None:
                    p.kill()
                p.wait()
        return _choose(outcomes, trials, say, load)


def _wait(
    processes: list[subprocess.Popen[bytes]],
    seeds: list[int],
    folder: Path,
    say: Callable[[str], None],
    on_progress: Callable[[float], None] | None,
) -> dict[int, TrialResult]:
    """Wait for every trial, passing trial 0's messages and the slowest trial's progress on; a trial that
    ended without an outcome file (killed) counts as failed."""
    log_file, relayed = folder / "trial-0.log", 0
    while True:
        running = [p.poll() is None for p in processes]
        if log_file.is_file():
            lines = log_file.read_text().splitlines()
            for line in lines[relayed:]:
                say(line)
            relayed = len(lines)
        if not any(running):
            break
        if on_progress is not None:
            on_progress(min(_progress(folder, i) for i in range(len(processes))))
        time.sleep(POLL_SECONDS)
    outcomes = {}
    for i, p in enumerate(processes):
        result = _result_file(folder, i)
        if result.is_file():
            outcomes[i] = TrialResult.from_json(json.loads(result.read_text()))
        else:
            outcomes[i] = TrialResult(i, seeds[i], False, error=f"its process ended with code {p.returncode}")
    return outcomes


def _progress(folder: Path, index: int) -> float:
    try:
        return float((folder / f"trial-{index}.progress").read_text())
    except (OSError, ValueError):  # not written yet, or being replaced
        return 0.0


def run_trial(job: dict[str, Any]) -> TrialResult:
    """One trial, inside its worker process: fit, score, save. Every failure becomes an outcome."""
    from chronogan.training.api import training_part
    from chronogan.training.estimator import load
    from chronogan.training.registry import model_type_entry

    index, out_dir = int(job["index"]), Path(job["out_dir"])
    seed = int(job["config"]["seed"])
    try:
        entry = model_type_entry(job["config"]["model_type"])
        config = entry.config.from_dict(job["config"])
        schema = SchemaOptions(**job["schema"])
        data, _, _ = training_part(
            Path(job["data"]), schema, job["holdout"], seq_len=config.seq_len, seed=int(job["split_seed"])
        )
        deadline = job["deadline"]
        if deadline is not None and float(deadline) <= time.time():
            # A trial's interpreter imports torch before it reads the data: seconds on a loaded machine, spent
            # from the same budget. Say so, rather than blame the data as the single run's message would.
            raise UserInputError(
                f"the time budget was used up before trial {index} could start training (starting its "
                f"interpreter and reading the data took {time.time() - float(job['launched']):.1f}s); "
                "raise --max-minutes or run fewer trials"
            )
        model = entry.estimator_class()(config)
        model.data_fingerprint = dict(job["fingerprint"])
        progress_file = out_dir / f"trial-{index}.progress"

        def report(fraction: float) -> None:
            _write_atomic(progress_file, f"{fraction:.4f}")

        log_path = out_dir / f"trial-{index}.log"

        def log(message: str) -> None:
            with log_path.open("a") as f:
                f.write(message.replace("\n", " ") + "\n")

        model.fit(
            data,
            schema,
            progress=False,
            log=log if job["log"] else None,
            warm_start=None if job["warm_dir"] is None else load(job["warm_dir"]),
            checkpoint_dir=None if job["checkpoint_dir"] is None else Path(job["checkpoint_dir"]),
            resume=bool(job["resume"]),
            on_progress=report,
            training_seconds=None if deadline is None else (lambda: float(deadline) - time.time()),
        )
        score = trial_score(model, data)
        folder = model.save(out_dir / f"trial-{index}", name=f"trial-{index}")
        return TrialResult(index, seed, True, score=score, folder=folder, seconds=dict(model.seconds))
    except UserInputError as exc:
        return TrialResult(index, seed, False, error=str(exc), user_error=True)
    except Exception as exc:  # reported to the parent, which decides
        return TrialResult(index, seed, False, error=f"{type(exc).__name__}: {exc}")


def _choose(
    outcomes: dict[int, TrialResult], trials: int, say: Callable[[str], None], load: Callable[[Path], Any]
) -> Any:
    ordered = [outcomes[i] for i in sorted(outcomes)]
    user_errors = [r for r in outcomes.values() if r.user_error]
    if user_errors:
        raise UserInputError(user_errors[0].error or "bad input")
    done = sorted((r for r in outcomes.values() if r.ok), key=lambda r: r.index)
    for r in ordered:
        if not r.ok:
            say(f"warning: trial {r.index} failed and is left out: {r.error}")
    if not done:
        raise RuntimeError(f"all {trials} trials failed; the first: {outcomes[min(outcomes)].error}")
    best = min(done, key=lambda r: (r.score, r.index))
    assert best.folder is not None and best.score is not None
    scores = ", ".join(f"{r.index}: {r.score:.3f}" for r in done)
    say(f"trials' validation scores ({scores}): kept trial {best.index} (seed {best.seed})")
    model = load(best.folder)
    model.seconds = dict(best.seconds or {})
    model.summary["trials"] = {
        "count": trials,
        "seeds": [r.seed for r in ordered],
        "scores": [round(float(r.score), 4) if r.ok and r.score is not None else None for r in ordered],
        "chosen": best.index,
        "score": "quick discriminative protocol against the training data, seeds apart from the quick score's",
    }
    return model
