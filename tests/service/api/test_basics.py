"""API behaviour that needs no trained model: health, errors, auth, limits, metrics, OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest
from chronogan.service.api.main import create_app
from chronogan.service.api.settings import Settings
from fastapi.testclient import TestClient

from tests.helpers import make_settings, parse_samples

PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


def _problem(resp, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    assert "Traceback" not in resp.text
    return body


def test_healthz_and_request_id(client: TestClient) -> None:
    resp = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert resp.json() == {"status": "ok"}
    assert resp.headers["x-request-id"] == "abc-123"
    assert len(client.get("/healthz").headers["x-request-id"]) == 32  # generated when absent


def test_readyz_empty_store_is_ready(client: TestClient) -> None:
    resp = client.get("/readyz")
    assert resp.status_code == 200 and resp.json()["status"] == "ready"


def test_readyz_unreadable_store(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "models", jobs_db=tmp_path / "jobs.sqlite3")
    app = create_app(settings)
    (tmp_path / "models").rmdir()
    (tmp_path / "models").write_text("not a folder")
    with TestClient(app) as c:
        body = c.get("/readyz").json()
        assert c.get("/readyz").status_code == 503 and "not readable" in body["detail"]


def test_unknown_model_and_route(client: TestClient) -> None:
    assert "not found" in _problem(client.get("/v1/models/nope"), 404)["detail"]
    _problem(client.post("/v1/models/nope/generate", json={"n_sequences": 1}), 404)
    _problem(client.get("/v1/nothing-here"), 404)
    _problem(client.delete("/v1/models"), 405)


def test_bad_model_name_is_422(client: TestClient) -> None:
    body = _problem(client.get("/v1/models/..secret"), 422)
    assert body["errors"][0]["field"] == "name"


def test_validation_errors_use_the_problem_shape(client: TestClient) -> None:
    body = _problem(client.post("/v1/models/m/generate", json={"n_sequences": 0, "colour": "red"}), 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"n_sequences", "colour"} <= fields
    _problem(
        client.post("/v1/models/m/generate", content=b"{not json", headers={"content-type": "application/json"}),
        422,
    )


def test_over_sync_limit_points_to_batches(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "m", sync_limit_sequences=5))) as c:
        body = _problem(c.post("/v1/models/any/generate", json={"n_sequences": 6}), 413)
        assert "/v1/models/any/batches" in body["detail"]


def test_unsupported_accept_is_406(client: TestClient) -> None:
    _problem(client.post("/v1/models/m/generate", json={"n_sequences": 1}, headers={"accept": "image/png"}), 406)


def test_body_limit(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "m", max_body_bytes=100))) as c:
        body = _problem(c.post("/v1/models/m/generate", json={"n_sequences": 1, "context": {"x": "y" * 200}}), 413)
        assert "100 bytes" in body["detail"]

        def chunks():  # no Content-Length: counted while streaming
            yield b'{"n_sequences": 1, "context": {"x": "'
            yield b"y" * 200
            yield b'"}}'

        _problem(
            c.post("/v1/models/m/generate", content=chunks(), headers={"content-type": "application/json"}),
            413,
        )


def test_jobs_routes_without_jobs(client: TestClient) -> None:
    assert client.get("/v1/jobs").json() == {"jobs": []}
    _problem(client.get("/v1/jobs/nope"), 404)
    _problem(client.get("/v1/jobs/nope/result"), 404)
    _problem(client.post("/v1/jobs/nope/cancel"), 404)
    _problem(client.post("/v1/jobs/nope/retry"), 404)
    _problem(client.get("/v1/jobs?state=bogus"), 422)


def test_job_conflicts(client: TestClient, settings: Settings) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    job = services.jobs.enqueue("batch", {"n_sequences": 1}, model="m")
    assert client.get(f"/v1/jobs/{job.id}").json()["state"] == "queued"
    _problem(client.get(f"/v1/jobs/{job.id}/result"), 409)
    _problem(client.post(f"/v1/jobs/{job.id}/retry"), 409)
    assert client.post(f"/v1/jobs/{job.id}/cancel").json()["state"] == "canceled"
    _problem(client.post(f"/v1/jobs/{job.id}/cancel"), 409)
    retried = client.post(f"/v1/jobs/{job.id}/retry")
    assert retried.status_code == 202 and retried.json()["state"] == "queued"


@pytest.fixture
def keyed(tmp_path: Path) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path / "m", api_key="s3cret")), raise_server_exceptions=False)


MUTATING = [
    ("post", "/v1/models/m/batches", {"json": {"n_sequences": 1}}),
    ("post", "/v1/models/m/retrain", {"files": {"file": ("d.csv", b"a,b\n1,2\n")}}),
    ("post", "/v1/models/m/versions/v1/activate", {}),
    ("post", "/v1/jobs/x/cancel", {}),
    ("post", "/v1/jobs/x/retry", {}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), MUTATING)
def test_api_key_required_on_mutating_routes(keyed: TestClient, method: str, url: str, kwargs: dict) -> None:
    missing = _problem(getattr(keyed, method)(url, **kwargs), 401)
    assert "X-API-Key" in missing["detail"]
    _problem(getattr(keyed, method)(url, headers={"X-API-Key": "wrong"}, **kwargs), 403)
    # With the key the request gets past auth (to a 404/422 about the missing model/job).
    ok = getattr(keyed, method)(url, headers={"X-API-Key": "s3cret"}, **kwargs)
    assert ok.status_code not in (401, 403)


def test_reads_need_no_key(keyed: TestClient) -> None:
    assert keyed.get("/v1/models").status_code == 200
    assert keyed.get("/healthz").status_code == 200


def test_metrics_exposition(client: TestClient) -> None:
    client.get("/healthz")
    text = client.get("/metrics").text
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in parse_samples(text)}
    healthz = (("le", "+Inf"), ("method", "GET"), ("route", "/healthz"), ("status", "200"))
    assert samples[("chronogan_http_request_duration_seconds_bucket", healthz)] == 1
    assert "# TYPE chronogan_sequences_generated_total counter" in text
    assert "# TYPE chronogan_generate_rejected_total counter" in text
    assert samples[("chronogan_jobs", (("state", "queued"),))] == 0


def test_openapi_documents_every_route_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/models",
        "/v1/models/{name}",
        "/v1/models/{name}/generate",
        "/v1/models/{name}/batches",
        "/v1/models/{name}/retrain",
        "/v1/models/{name}/versions/{version}/activate",
        "/v1/jobs/{job_id}",
        "/v1/jobs/{job_id}/result",
        "/v1/jobs/{job_id}/cancel",
        "/v1/jobs/{job_id}/retry",
    ]:
        assert path in paths
    schemas = spec["components"]["schemas"]
    assert schemas["GenerateRequest"]["examples"]
    assert schemas["BatchRequest"]["examples"]
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
