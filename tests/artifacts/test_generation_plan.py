"""Generation is planned eagerly: `plan` validates against the manifest and settles the seed, `chunks`/`table`
only run it; the HTTP routes validate by planning, never by running the graph."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.runtime import LoadedModel
from chronogan.artifacts.store import ModelStore
from tests.helpers import MODEL


@pytest.fixture
def model(model_store: Path) -> LoadedModel:
    store = ModelStore(model_store)
    return LoadedModel.load(store.version_dir(MODEL, store.resolve(MODEL)), threads=1)


def test_plan_validates_without_running_the_graph(model: LoadedModel) -> None:
    with mock.patch.object(LoadedModel, "run_graph", side_effect=AssertionError("graph ran")):
        plan = model.plan(3, seed=5, seq_len=4)
        assert (plan.n, plan.seed, plan.seq_len) == (3, 5, 4)
        with pytest.raises(UserInputError) as bad_context:
            model.plan(3, seed=5, context={"no_such_column": 1})
        assert bad_context.value.field == "context"
        with pytest.raises(UserInputError) as bad_n:
            model.plan(0, seed=5)
        assert bad_n.value.field == "n_sequences"


def test_plan_settles_a_drawn_seed_and_running_it_is_reproducible(model: LoadedModel) -> None:
    plan = model.plan(3)
    assert isinstance(plan.seed, int)
    first, again = model.table(plan), model.table(plan)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, model.generate(3, seed=plan.seed))
    pd.testing.assert_frame_equal(first, pd.concat(list(model.chunks(plan)), ignore_index=True))


def test_iter_chunks_validates_before_the_first_chunk_is_asked_for(model: LoadedModel) -> None:
    with pytest.raises(UserInputError):
        model.iter_chunks(2, seed=1, seq_len=0)  # no next(): the call itself raises


def test_batch_route_checks_the_request_without_a_probe_run(model_client: TestClient) -> None:
    with mock.patch.object(LoadedModel, "run_graph", side_effect=AssertionError("graph ran")):
        bad = model_client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 5, "context": {"nope": 1}})
        assert bad.status_code == 422 and "nope" in bad.json()["detail"]
        ok = model_client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 5})
        assert ok.status_code == 202, ok.text
        assert isinstance(ok.json()["params"]["seed"], int)


def test_streamed_ndjson_rejects_a_bad_request_before_the_200(model_client: TestClient) -> None:
    resp = model_client.post(
        f"/v1/models/{MODEL}/generate", json={"n_sequences": 2, "format": "ndjson", "context": {"x": 1}}
    )
    assert resp.status_code == 422
    resp = model_client.post(
        f"/v1/models/{MODEL}/generate", json={"n_sequences": 2, "format": "ndjson", "start": "not a date"}
    )
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/problem+json")
