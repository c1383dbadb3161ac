"""Bounded load: at the generation limit a request gets a fast 503 with Retry-After (counted), never a
long queue; slots come back after plain and streamed responses alike."""

from __future__ import annotations

import gc
import threading
import time

import pytest
from chronogan.service.api.admission import GenerationGate, Overloaded
from chronogan.service.api.main import create_app
from chronogan.service.api.settings import Settings
from fastapi.testclient import TestClient

from tests.helpers import MODEL, parse_samples

URL = f"/v1/models/{MODEL}/generate"


def test_gate_admits_within_the_expected_wait_and_refuses_beyond() -> None:
    gate = GenerationGate(slots=1, max_wait=0.3)
    gate.acquire()
    gate.release(0.2)  # the pace: 200 ms per request
    gate.acquire()  # one running
    admitted: list[float] = []

    def waiter() -> None:
        gate.acquire()
        admitted.append(time.perf_counter())
        gate.release(0.2)

    thread = threading.Thread(target=waiter)
    thread.start()  # expects to wait 200 ms <= 300 ms: queued
    time.sleep(0.05)
    assert gate.waiting == 1 and not admitted
    started = time.perf_counter()
    with pytest.raises(Overloaded) as refused:  # one ahead in the queue: expects 400 ms > 300 ms
        gate.acquire()
    assert time.perf_counter() - started < 0.05  # refused at once, not after waiting
    assert refused.value.retry_after >= 1
    gate.release(0.2)
    thread.join(5)
    assert admitted and gate.running == 0 and gate.waiting == 0


def test_gate_refuses_a_waiter_that_waits_too_long() -> None:
    gate = GenerationGate(slots=1, max_wait=0.05)
    gate.acquire()  # no pace yet: the next one is admitted to the queue, then times out at 2 x max_wait
    started = time.perf_counter()
    with pytest.raises(Overloaded):
        gate.acquire()
    assert 0.09 < time.perf_counter() - started < 1.0 and gate.waiting == 0


def test_streamed_body_releases_its_slot_when_done_or_dropped() -> None:
    gate = GenerationGate(slots=1, max_wait=0)
    gate.acquire()
    assert list(gate.held(iter([b"a", b"b"]))) == [b"a", b"b"]
    assert gate.running == 0
    gate.acquire()
    stream = gate.held(iter([b"a"]))
    del stream
    gc.collect()
    assert gate.running == 0  # a body never sent (client gone) does not keep the slot


def test_api_answers_503_with_retry_after_at_the_limit(model_store, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"generate_slots": 1, "generate_max_wait_seconds": 0.0}))
    with TestClient(app, raise_server_exceptions=False) as client:
        gate = app.state.services.gate
        assert client.post(URL, json={"n_sequences": 2, "seed": 1}).status_code == 200
        gate.acquire()  # someone else's generation holds the only slot
        try:
            started = time.perf_counter()
            busy = client.post(URL, json={"n_sequences": 2, "seed": 1})
            elapsed = time.perf_counter() - started
        finally:
            gate.release(0.01)
        assert busy.status_code == 503 and busy.headers["retry-after"].isdigit()
        assert busy.headers["content-type"] == "application/problem+json"
        assert busy.json()["type"].endswith(":overloaded") and "Retry-After" in busy.json()["detail"]
        assert elapsed < 0.5
        again = client.post(URL, json={"n_sequences": 2, "seed": 1, "format": "ndjson"})
        assert again.status_code == 200 and gate.running == 0  # the streamed body gave its slot back
        samples = parse_samples(client.get("/metrics").text)
        rejected = [s.value for s in samples if s.name == "chronogan_generate_rejected_total"]
        assert rejected == [1]


def test_at_the_limit_the_refusal_comes_before_the_body_is_read(model_store, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    # Under overload most requests are refused: each refusal must cost no parsing or validation, so a body
    # that would be a 422 gets the 503 (it was never read), and it is counted like any refusal.
    app = create_app(settings.model_copy(update={"generate_slots": 1, "generate_max_wait_seconds": 0.0}))
    with TestClient(app, raise_server_exceptions=False) as client:
        gate = app.state.services.gate
        assert gate.refusal() is None  # idle: the next request is admitted
        assert client.post(URL, json={"n_sequences": "many"}).status_code == 422
        assert client.post(URL, json={"n_sequences": 2, "seed": 1}).status_code == 200  # sets the pace
        gate.acquire()
        try:
            assert gate.refusal() is not None
            busy = client.post(URL, content=b"{not json", headers={"content-type": "application/json"})
        finally:
            gate.release(0.01)
        assert busy.status_code == 503 and busy.headers["retry-after"].isdigit()
        assert busy.json()["type"].endswith(":overloaded")
        assert client.post(URL, json={"n_sequences": 2, "seed": 1}).status_code == 200  # slot back: admitted
        samples = parse_samples(client.get("/metrics").text)
        assert [s.value for s in samples if s.name == "chronogan_generate_rejected_total"] == [1]
