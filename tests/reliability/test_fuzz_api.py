"""Schemathesis against the app's own OpenAPI schema: no 5xx, and every response is documented.

A bounded, derandomized pass (fixed examples per operation and generation mode) through the ASGI
transport, over a temp store holding one tiny trained model. No API key is configured so the fuzzer
reaches the mutating routes' bodies (auth itself is covered in test_security.py). The long run is
`benchmarks/reliability/fuzz_long.py`.
"""

from __future__ import annotations

from pathlib import Path

from chronogan.service.api.main import create_app
from chronogan.service.api.settings import Settings
from fastapi.testclient import TestClient

from tests.helpers import MODEL
from tests.reliability.fuzzing import fuzz

EXAMPLES_PER_OPERATION = 6


def test_api_conforms_to_its_schema(model_store: Path, settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app):  # run the lifespan, as a real server would
        # Warm the active version first, as `warm_on_start` does in production: otherwise /readyz answers
        # its (documented) 503 "not ready", which the no-5xx check would count.
        app.state.services.registry.warm_active()
        report = fuzz(app, examples=EXAMPLES_PER_OPERATION, model=MODEL)
    print(report.summary())
    assert report.requests >= 100
    assert report.server_errors == 0, report.summary()
    assert report.violations == 0, report.summary()
