"""Unauthorised callers, hostile names, oversized bodies and internal errors change nothing and leak nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chronogan.service.api.main import create_app
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.store import JobStore
from fastapi.testclient import TestClient

from tests.helpers import MODEL, make_settings
from tests.reliability.storecheck import active_versions, store_snapshot

KEY = "correct horse battery staple"


@pytest.fixture
def secured(model_store: Path) -> Iterator[tuple[TestClient, Settings]]:
    settings = make_settings(model_store, api_key=KEY, max_body_bytes=10_000, max_upload_bytes=200_000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, settings


def _jobs_table(settings: Settings) -> list[dict[str, Any]]:
    # Straight from SQLite, every column: the API view hides some.
    import sqlite3

    with sqlite3.connect(settings.jobs_db_path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY id")]


def _mutations(queued: str, failed: str, csv: bytes) -> list[tuple[str, str, dict[str, Any]]]:
    upload = {"files": {"file": ("d.csv", csv, "text/csv")}, "data": {"options": "{}"}}
    return [
        ("POST", f"/v1/models/{MODEL}/retrain", upload),
        ("POST", "/v1/models/brand-new/retrain", upload),
        ("POST", f"/v1/models/{MODEL}/batches", {"json": {"n_sequences": 5}}),
        ("POST", f"/v1/models/{MODEL}/versions/v1/activate", {}),
        ("POST", f"/v1/jobs/{queued}/cancel", {}),
        ("POST", f"/v1/jobs/{failed}/retry", {}),
    ]


@pytest.mark.parametrize("key", [None, "", "wrong", KEY + "x", KEY[:-1]])
def test_mutating_routes_need_the_key(
    secured: tuple[TestClient, Settings], model_store: Path, training_csv: Path, key: str | None
) -> None:
    client, settings = secured
    jobs = JobStore(settings.jobs_db_path)
    queued = jobs.enqueue("batch", {"model": MODEL, "version": "v1", "n_sequences": 1, "seed": 1}, model=MODEL)
    failed = jobs.enqueue("batch", {"model": MODEL, "version": "v1", "n_sequences": 1, "seed": 2}, model=MODEL)
    from chronogan.service.jobs.store import WorkerIdentity

    worker = WorkerIdentity()
    claimed = jobs.claim_next(worker)
    assert claimed is not None and claimed.id == queued.id
    jobs.finish(claimed.id, worker, "failed", error="test")
    queued, failed = failed, queued  # the second job is the one still queued
    before_store, before_active, before_jobs = (
        store_snapshot(model_store),
        active_versions(model_store),
        _jobs_table(settings),
    )
    headers = {} if key is None else {"X-API-Key": key}
    for method, url, kwargs in _mutations(queued.id, failed.id, training_csv.read_bytes()):
        resp = client.request(method, url, headers=headers, **kwargs)
        expected = 401 if not key else 403
        assert resp.status_code == expected, (url, resp.status_code, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert KEY not in resp.text
        if expected == 401:
            assert resp.headers["www-authenticate"] == "X-API-Key"
    assert store_snapshot(model_store) == before_store
    assert active_versions(model_store) == before_active
    assert _jobs_table(settings) == before_jobs
    assert not settings.jobs_dir_path.exists() or not any(settings.jobs_dir_path.iterdir())  # no upload kept
    # And the right key works (the routes are not simply broken).
    ok = client.post(f"/v1/jobs/{queued.id}/cancel", headers={"X-API-Key": KEY})
    assert ok.status_code == 200


TRAVERSAL_NAMES = [
    "..%2fx",
    "..%2F..%2Fetc",
    "%2e%2e",
    "%2e%2e%2fescape",
    "..",
    ".hidden",
    "%2Fetc%2Fpasswd",
    "%2Ftmp%2Fevil",
    "a%00b",
    "%00",
    "energy%00",
    "x" * 300,
    "..%5c..%5cwin",
    "name%20with%20space",
]


def _all_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_hostile_model_names_touch_nothing(
    secured: tuple[TestClient, Settings], model_store: Path, tmp_path: Path, training_csv: Path, name: str
) -> None:
    client, _ = secured
    auth = {"X-API-Key": KEY}
    before_all, before_store = _all_files(tmp_path), store_snapshot(model_store)
    calls = [
        ("GET", f"/v1/models/{name}", {}),
        ("POST", f"/v1/models/{name}/generate", {"json": {"n_sequences": 1}}),
        ("POST", f"/v1/models/{name}/batches", {"json": {"n_sequences": 1}, "headers": auth}),
        ("POST", f"/v1/models/{name}/versions/v1/activate", {"headers": auth}),
        ("POST", f"/v1/models/{MODEL}/versions/{name}/activate", {"headers": auth}),
        (
            "POST",
            f"/v1/models/{name}/retrain",
            {"files": {"file": ("d.csv", training_csv.read_bytes())}, "data": {"options": "{}"}, "headers": auth},
        ),
        ("GET", f"/v1/jobs/{name}", {}),
        ("GET", f"/v1/jobs/{name}/result", {}),
    ]
    for method, url, kwargs in calls:
        resp = client.request(method, url, **kwargs)
        assert 400 <= resp.status_code < 500, (url, resp.status_code, resp.text[:300])
        assert "Traceback" not in resp.text
    assert _all_files(tmp_path) == before_all
    assert store_snapshot(model_store) == before_store


def test_upload_filename_cannot_escape_the_job_folder(
    secured: tuple[TestClient, Settings], model_store: Path, tmp_path: Path, training_csv: Path
) -> None:
    client, settings = secured
    resp = client.post(
        "/v1/models/fresh/retrain",
        files={"file": ("../../../../escaped.csv", training_csv.read_bytes())},
        data={"options": json.dumps({"sequence_key": "meter_id"})},
        headers={"X-API-Key": KEY},
    )
    assert resp.status_code == 202, resp.text
    assert not list(tmp_path.rglob("escaped.csv"))
    saved = list(settings.jobs_dir_path.rglob("upload*"))
    assert [p.name for p in saved] == ["upload.csv"] and saved[0].parent.parent == settings.jobs_dir_path


# ---- body limits: refused by Content-Length before reading, counted while streaming -----------------------


def _asgi(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], chunks: int, chunk: bytes, first: bytes = b""
) -> tuple[int, int]:
    """Send a POST through the raw ASGI interface (`first`, then `chunk` repeated); return (status, bytes the
    app pulled from the client)."""
    pulled = 0
    sent = 0
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled, sent
        if sent >= chunks:
            return {"type": "http.disconnect"}
        body = first if sent == 0 and first else chunk
        sent += 1
        pulled += len(body)
        return {"type": "http.request", "body": body, "more_body": sent < chunks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return status[0], pulled


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (f"/v1/models/{MODEL}/generate", b"application/json"),
        (f"/v1/models/{MODEL}/batches", b"application/json"),
        (f"/v1/models/{MODEL}/retrain", b"multipart/form-data; boundary=xyz"),
    ],
)
def test_oversized_bodies_are_refused_without_reading_them(
    secured: tuple[TestClient, Settings], path: str, content_type: bytes
) -> None:
    client, settings = secured
    app = client.app
    limit = settings.max_upload_bytes if path.endswith("retrain") else settings.max_body_bytes
    chunk = b"x" * 65_536
    auth = (b"x-api-key", KEY.encode())
    # The start of a well-formed body, so that parsing goes on until the size check stops it.
    if path.endswith("retrain"):
        first = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="d.csv"\r\n\r\n'
    else:
        first = b'{"n_sequences": 1, "start": "'
    # A declared length over the limit: 413 before a single byte of the body is pulled.
    status, pulled = _asgi(
        app, path, [(b"content-type", content_type), (b"content-length", b"9999999999"), auth], 10_000, chunk, first
    )
    assert (status, pulled) == (413, 0)
    # No length (chunked): refused as soon as the count passes the limit, not after the whole body.
    status, pulled = _asgi(app, path, [(b"content-type", content_type), auth], 10_000, chunk, first)
    assert status == 413
    assert pulled <= limit + len(chunk), (pulled, limit)
    # A lying Content-Length (small, then more bytes): the streaming count still applies.
    status, pulled = _asgi(
        app, path, [(b"content-type", content_type), (b"content-length", b"10"), auth], 10_000, chunk, first
    )
    assert status == 413 and pulled <= limit + len(chunk)


# ---- no internals in error responses -------------------------------------------------------------------


JSON = {"content-type": "application/json"}
MULTIPART = {"content-type": "multipart/form-data; boundary=xyz"}
GEN, RETRAIN = f"/v1/models/{MODEL}/generate", f"/v1/models/{MODEL}/retrain"
GARBAGE: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", GEN, {"content": b"\xff\xfe\x00garbage", "headers": JSON}),
    ("POST", GEN, {"content": b"[" * 5000 + b"]" * 5000, "headers": JSON}),
    ("POST", f"/v1/models/{MODEL}/generate", {"json": {"n_sequences": 1, "start": "9999999-99-99"}}),
    ("POST", f"/v1/models/{MODEL}/generate", {"json": {"n_sequences": 1, "context": {"region": [1, 2]}}}),
    ("POST", f"/v1/models/{MODEL}/generate", {"json": {"n_sequences": 1}, "headers": {"accept": "image/png"}}),
    ("POST", RETRAIN, {"content": b"--xyz\r\ngarbage", "headers": MULTIPART}),
    ("POST", RETRAIN, {"files": {"file": ("d.csv", b"\x00\x01\x02")}, "data": {"options": "[1,2"}}),
    ("POST", f"/v1/models/{MODEL}/retrain", {"files": {"file": ("d.parquet", b"PAR1garbagePAR1")}}),
    ("GET", "/v1/jobs?limit=-1&state=%00", {}),
    ("DELETE", f"/v1/models/{MODEL}", {}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), GARBAGE, ids=range(len(GARBAGE)))
def test_errors_carry_no_internals(
    secured: tuple[TestClient, Settings], method: str, url: str, kwargs: dict[str, Any]
) -> None:
    client, settings = secured
    headers = {"X-API-Key": KEY, **kwargs.pop("headers", {})}
    resp = client.request(method, url, headers=headers, **kwargs)
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:300])
    _assert_no_internals(resp, settings)


def _assert_no_internals(resp: Any, settings: Settings) -> None:
    text = resp.text + json.dumps(dict(resp.headers))
    for leak in ("Traceback", 'File "', str(settings.store.resolve()), "/site-packages/", "/work/", '.py"'):
        assert leak not in text, (leak, text[:500])
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_unexpected_exception_becomes_a_bare_500(
    secured: tuple[TestClient, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = secured
    registry = client.app.state.services.registry  # type: ignore[attr-defined]

    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError(f"boom in {settings.store.resolve()}/secret.py")

    monkeypatch.setattr(registry, "get", explode)
    resp = client.post(f"/v1/models/{MODEL}/generate", json={"n_sequences": 1})
    assert resp.status_code == 500
    assert resp.json()["detail"] == "an unexpected error occurred; see the server log"
    _assert_no_internals(resp, settings)
