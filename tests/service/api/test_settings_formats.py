"""Settings from the environment, format negotiation and deterministic rendering."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chronogan.service.api.errors import ApiError
from chronogan.service.api.formats import json_body, ndjson_lines, negotiate
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.gate import decide


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHRONOGAN_STORE", str(tmp_path / "s"))
    monkeypatch.setenv("CHRONOGAN_API_KEY", "k3y-value")
    monkeypatch.setenv("CHRONOGAN_PORT", "9001")
    s = Settings()
    assert s.store == tmp_path / "s" and s.port == 9001 and s.api_key_value() == "k3y-value"
    assert s.jobs_db_path == tmp_path / "s" / ".jobs" / "jobs.sqlite3"
    assert s.jobs_dir_path == tmp_path / "s" / ".jobs" / "files"
    assert "k3y-value" not in repr(s)  # the key is a secret


@pytest.mark.parametrize(
    ("explicit", "accept", "expected"),
    [
        (None, None, "json"),
        (None, "text/csv", "csv"),
        (None, "application/x-ndjson", "ndjson"),
        (None, "application/vnd.apache.parquet", "parquet"),
        (None, "text/html;q=0.9, text/csv;q=0.5", "csv"),
        (None, "text/csv;q=0.2, application/json", "json"),
        (None, "*/*", "json"),
        ("parquet", "text/csv", "parquet"),
    ],
)
def test_negotiate(explicit: str | None, accept: str | None, expected: str) -> None:
    assert negotiate(explicit, accept) == expected  # type: ignore[arg-type]


def test_negotiate_refuses_unknown() -> None:
    with pytest.raises(ApiError) as err:
        negotiate(None, "image/png")
    assert err.value.status == 406


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [0, 0],
            "t": pd.to_datetime(["2024-01-01 00:00", None]).tz_localize("Europe/Berlin"),
            "x": np.array([1.5, np.nan], dtype=np.float32),
            "c": pd.Series(["a", None], dtype="str"),
            "b": pd.array([True, None], dtype="boolean"),
        }
    )


def test_json_rendering_is_plain_and_deterministic() -> None:
    body = json_body(_table(), {"model": "m", "version": "v1", "seed": 1})
    assert body == json_body(_table(), {"model": "m", "version": "v1", "seed": 1})
    doc = json.loads(body)
    assert list(doc) == ["model", "version", "seed", "columns", "data"]
    assert doc["data"] == [[0, "2024-01-01T00:00:00+01:00", 1.5, "a", True], [0, None, None, None, None]]


def test_ndjson_lines() -> None:
    lines = b"".join(ndjson_lines([_table(), _table().iloc[:0]])).decode().splitlines()
    assert json.loads(lines[0])["x"] == 1.5 and len(lines) == 2


def test_gate_decisions() -> None:
    def measured(new: float, old: float, diffs: list[float], privacy: bool = True) -> dict:
        return {
            "candidate": {"mean": new},
            "active": {"mean": old},
            "floor": {"mean": 0.02},
            "difference": {"mean": new - old, "se": float(np.std(diffs, ddof=1) / np.sqrt(len(diffs)))},
            "privacy": {"passed": privacy, "reason": "97% of synthetic sequences are closer to a training record"},
        }

    args = {"active_version": "v1", "promote": False, "margin": 0.05}
    assert decide(None, **{**args, "active_version": None}).activate
    assert decide(measured(0.20, 0.16, [0.04, 0.05, 0.03]), **args).activate
    worse = decide(measured(0.20, 0.10, [0.10, 0.11, 0.09]), **args)
    assert not worse.activate and "worse" in worse.reason and worse.margin == 0.05 and worse.floor == 0.02
    # A noisy difference widens the margin to twice its standard error: 0.10 worse, but within noise.
    noisy = decide(measured(0.20, 0.10, [0.40, -0.20, 0.10]), **args)
    assert noisy.activate and noisy.margin == pytest.approx(2 * noisy.se) and noisy.margin > 0.1
    refused = decide(measured(0.10, 0.20, [-0.1, -0.1, -0.1], privacy=False), **args)
    assert not refused.activate and "privacy" in refused.reason and refused.privacy_passed is False
    assert decide(measured(0.40, 0.10, [0.3, 0.3]), **{**args, "promote": True}).activate
    unscored = decide(None, **args, unavailable="the upload is too small")
    assert not unscored.activate and "too small" in unscored.reason
