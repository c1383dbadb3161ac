"""The service never imports torch: checked in a fresh interpreter (this test process has torch loaded)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers import MODEL, ROOT, subprocess_env

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from fastapi.testclient import TestClient
    from chronogan.service.api.main import create_app
    from chronogan.service.api.settings import Settings

    app = create_app(Settings(store=sys.argv[1], warm_on_start=False))
    assert "torch" not in sys.modules, "importing the app imported torch"
    with TestClient(app) as client:
        resp = client.post("/v1/models/{MODEL}/generate", json={{"n_sequences": 2, "seed": 1}})
        assert resp.status_code == 200, resp.text
        client.post("/v1/models/{MODEL}/batches", json={{"n_sequences": 2}})
    assert "torch" not in sys.modules, "serving a request imported torch"
    print("torch-free")
    """
)


def test_app_and_generate_without_torch(model_store: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(model_store)],
        env=subprocess_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "torch-free" in proc.stdout
