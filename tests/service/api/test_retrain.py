"""Retrain end to end: upload -> validation -> job -> new version -> quality gate -> active."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chronogan.service.api.main import create_app
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.worker import Worker
from fastapi.testclient import TestClient

from tests.helpers import ACTIVE_SCORE, MODEL, TINY, fixed_quality, make_settings


def _upload(client: TestClient, name: str, csv: Path, options: dict[str, Any] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    data = {"options": json.dumps(options)} if options is not None else {}
    return client.post(
        f"/v1/models/{name}/retrain",
        files={"file": (csv.name, csv.read_bytes(), "text/csv")},
        data=data,
        **kw,
    )


def _run_worker(settings: Settings, score: float) -> None:
    with fixed_quality(score):
        assert Worker(settings).run(until_empty=True) == 1


def test_retrain_new_model_fresh(client: TestClient, settings: Settings, training_csv: Path) -> None:
    resp = _upload(client, "fresh-one", training_csv, TINY)
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert job["kind"] == "retrain" and "upload" not in job["params"]
    assert resp.headers["location"] == f"/v1/jobs/{job['id']}"
    again = _upload(client, "fresh-one", training_csv, TINY)
    assert again.status_code == 409 and job["id"] in again.json()["detail"]

    _run_worker(settings, 0.9)  # a bad score does not matter for a model's first version
    done = client.get(f"/v1/jobs/{job['id']}").json()
    assert done["state"] == "succeeded", done["error"]
    assert done["progress"] == 1.0
    result = done["result"]
    assert (result["version"], result["activated"], result["active_version"]) == ("v1", True, "v1")
    assert result["gate"]["reason"] == "the model had no active version"
    assert client.post("/v1/models/fresh-one/generate", json={"n_sequences": 2}).status_code == 200
    assert not any(settings.jobs_dir_path.iterdir())  # the upload is deleted once it has served


def test_retrain_warm_is_gated_on_held_out_data(
    model_client: TestClient, settings: Settings, training_csv: Path
) -> None:
    # A warm start from the active version; the gate scores both on the same held-out entities.
    warm = _upload(model_client, MODEL, training_csv, {**TINY, "mode": "warm"})
    assert warm.status_code == 202, warm.text
    _run_worker(settings, ACTIVE_SCORE)
    result = model_client.get(f"/v1/jobs/{warm.json()['id']}").json()["result"]
    gate = result["gate"]
    assert result["version"] == "v2" and gate["active_version"] == "v1"
    assert gate["margin"] == max(settings.gate_margin, 2 * gate["se"])
    # The decision follows from the numbers it reports.
    expected = (
        gate["privacy_passed"]
        and gate["spread_passed"] is not False
        and gate["new_score"] <= gate["active_score"] + gate["margin"]
    )
    assert result["activated"] is expected and result["active_version"] == ("v2" if expected else "v1")
    split = result["metrics"]["gate"]["split"]
    assert split["kind"] == "entities" and split["n_validation"] == 3 and split["n_train"] == 13
    detail = model_client.get(f"/v1/models/{MODEL}").json()
    assert [v["version"] for v in detail["versions"]] == ["v1", "v2"]

    # Rollback: the previous version comes back with one call.
    assert model_client.post(f"/v1/models/{MODEL}/versions/v1/activate").json()["active_version"] == "v1"
    assert model_client.post(f"/v1/models/{MODEL}/generate", json={"n_sequences": 1}).json()["version"] == "v1"


def test_retrain_promote_overrides_gate(model_client: TestClient, settings: Settings, training_csv: Path) -> None:
    job = _upload(model_client, MODEL, training_csv, {**TINY, "promote": True}).json()
    assert job["params"]["promote"] is True
    _run_worker(settings, 0.99)
    result = model_client.get(f"/v1/jobs/{job['id']}").json()["result"]
    assert (result["version"], result["activated"]) == ("v2", True)
    assert result["gate"]["reason"] == "promote was requested"


def test_retrain_validation_errors(client: TestClient, training_csv: Path, tmp_path: Path) -> None:
    bad_column = _upload(client, "m", training_csv, {"sequence_key": "no_such_column"})
    assert bad_column.status_code == 422 and "no_such_column" in bad_column.text
    bad_options = client.post(
        "/v1/models/m/retrain", files={"file": ("d.csv", b"a\n1\n")}, data={"options": '{"mode": "sideways"}'}
    )
    assert bad_options.status_code == 422 and bad_options.json()["errors"][0]["field"] == "options.mode"
    not_json = client.post("/v1/models/m/retrain", files={"file": ("d.csv", b"a\n1\n")}, data={"options": "{"})
    assert not_json.status_code == 422
    wrong_type = client.post("/v1/models/m/retrain", files={"file": ("d.xlsx", b"PK")})
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["field"] == "file"
    warm_new = _upload(client, "m", training_csv, {"mode": "warm"})
    assert warm_new.status_code == 422 and "warm" in warm_new.json()["detail"]
    missing_file = client.post("/v1/models/m/retrain", data={"options": "{}"})
    assert missing_file.status_code == 422 and missing_file.json()["errors"][0]["field"] == "file"
    # Nothing was queued, and no upload was left behind.
    assert client.get("/v1/jobs").json() == {"jobs": []}
    jobs_dir = client.app.state.services.settings.jobs_dir_path  # type: ignore[attr-defined]
    assert not jobs_dir.exists() or not any(jobs_dir.iterdir())


def test_upload_size_limit(tmp_path: Path, training_csv: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "m", max_upload_bytes=1000))) as c:
        resp = _upload(c, "m", training_csv, TINY)
        assert resp.status_code == 413 and resp.headers["content-type"].startswith("application/problem+json")


def test_cancel_running_retrain(client: TestClient, settings: Settings, training_csv: Path) -> None:
    import threading

    from tests.helpers import wait_for

    # A budget far longer than the test: the job must still be running when the cancel arrives, however slow
    # the machine is (a short budget let a loaded machine finish the job first and answer the cancel with 409).
    job = _upload(client, "canceled-one", training_csv, {**TINY, "max_minutes": 10}).json()
    worker = Worker(settings)
    thread = threading.Thread(target=worker.run, kwargs={"until_empty": True})
    with fixed_quality(0.1):
        thread.start()
        wait_for(lambda: client.get(f"/v1/jobs/{job['id']}").json()["progress"] > 0, timeout=120)
        assert client.post(f"/v1/jobs/{job['id']}/cancel").json()["cancel_requested"]
        thread.join(120)
    assert not thread.is_alive(), "the worker did not stop the canceled retrain"
    done = client.get(f"/v1/jobs/{job['id']}").json()
    assert done["state"] == "canceled" and done["links"]["retry"]
    assert client.get("/v1/models/canceled-one").status_code == 404  # nothing was published


def _trial_workers() -> list[int]:
    """Live trial processes started by this test process (Linux /proc)."""
    import os

    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if "chronogan.training.trial_worker" in cmdline and ppid == os.getpid():
            pids.append(int(entry.name))
    return pids


def test_retrain_with_trials_keeps_the_best_and_a_cancel_stops_every_trial(
    client: TestClient, settings: Settings, training_csv: Path
) -> None:
    import threading

    from tests.helpers import wait_for

    bad = _upload(client, "trials-bad", training_csv, {**TINY, "trials": 0})
    assert bad.status_code == 422 and "trials" in bad.text
    # Each trial starts its own interpreter (torch's import: seconds on a loaded machine) inside the budget.
    done_job = _upload(client, "trials-one", training_csv, {**TINY, "trials": 2, "max_minutes": 0.3}).json()
    _run_worker(settings, 0.9)
    done = client.get(f"/v1/jobs/{done_job['id']}").json()
    assert done["state"] == "succeeded", done["error"]
    manifest = json.loads((settings.store / "trials-one" / "v1" / "manifest.json").read_text())
    assert manifest["history_summary"]["trials"]["count"] == 2

    job = _upload(client, "trials-canceled", training_csv, {**TINY, "trials": 2, "max_minutes": 10}).json()
    worker = Worker(settings)
    thread = threading.Thread(target=worker.run, kwargs={"until_empty": True})
    with fixed_quality(0.1):
        thread.start()
        wait_for(lambda: client.get(f"/v1/jobs/{job['id']}").json()["progress"] > 0, timeout=120)
        assert len(_trial_workers()) == 2
        assert client.post(f"/v1/jobs/{job['id']}/cancel").json()["cancel_requested"]
        thread.join(120)
    assert not thread.is_alive(), "the worker did not stop the canceled retrain"
    assert client.get(f"/v1/jobs/{job['id']}").json()["state"] == "canceled"
    assert _trial_workers() == []
    assert client.get("/v1/models/trials-canceled").status_code == 404
