"""The published OpenAPI document states the rules the server enforces, from the definitions it enforces.

Each test reads a rule from `/openapi.json` and checks it against the server's behaviour or its one
definition (the store's name rules, the job states, the seed bound, the sync limit, the upload types), so
the document cannot drift from what the routes do. The full schemathesis run is
tests/reliability/test_openapi_conformance.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from chronogan.service.api.main import create_app
from chronogan.service.api.uploads import UPLOAD_MEDIA_TYPES
from chronogan.service.jobs.store import STATES
from fastapi.testclient import TestClient

from chronogan.artifacts.choices import MODEL_TYPE_NAMES
from chronogan.artifacts.runtime import MAX_SEED
from chronogan.artifacts.store import is_model_name
from tests.helpers import make_settings
from tests.reliability.model_rules import allowed

PROBLEM = "application/problem+json"


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def _param(spec: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    return next(p for p in spec["paths"][path][method]["parameters"] if p["name"] == name)


def _component(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


NAMES = ["a", "sales", "Sales_2024-v.1", "a.b.c", "x" * 64, "x" * 65, "a..b", ".a", "-a", "a/b", "a\n", "", "é", "a."]


def test_published_name_rule_is_the_store_rule(spec: dict[str, Any]) -> None:
    schema = _param(spec, "/v1/models/{name}", "get", "name")["schema"]
    published = re.compile(schema["pattern"])
    for name in NAMES:
        in_schema = schema["minLength"] <= len(name) <= schema["maxLength"] and published.fullmatch(name) is not None
        assert in_schema == is_model_name(name), name


def test_schema_invalid_name_and_version_are_rejected(client: TestClient) -> None:
    for bad in ("a..b", "x" * 65, ".hidden"):
        resp = client.get(f"/v1/models/{bad}")
        assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "name"
    resp = client.post("/v1/models/m/versions/2/activate")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "version"
    version = _param(
        client.get("/openapi.json").json(), "/v1/models/{name}/versions/{version}/activate", "post", "version"
    )
    assert re.fullmatch(version["schema"]["pattern"], "v12") and not re.fullmatch(version["schema"]["pattern"], "2")


def test_job_state_is_an_enum_and_other_values_are_422(client: TestClient, spec: dict[str, Any]) -> None:
    schema = _param(spec, "/v1/jobs", "get", "state")["schema"]
    assert [s for s in schema["anyOf"] if "enum" in s][0]["enum"] == list(STATES)
    assert _component(spec, "JobOut")["properties"]["state"]["enum"] == list(STATES)
    resp = client.get("/v1/jobs", params={"state": "done"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "state"
    assert client.get("/v1/jobs", params={"state": "queued"}).status_code == 200


def test_seed_bound_is_exact(spec: dict[str, Any], raw_spec: str) -> None:
    for model in ("GenerateRequest", "BatchRequest"):
        integer = _component(spec, model)["properties"]["seed"]["anyOf"][0]
        assert integer["exclusiveMaximum"] == MAX_SEED + 1 and integer["minimum"] == 0
    assert "9223372036854775808" in raw_spec and "e+18" not in raw_spec  # written as an integer, not a double


@pytest.fixture
def raw_spec(client: TestClient) -> str:
    return client.get("/openapi.json").text


def test_sync_limit_is_the_published_maximum(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "m", sync_limit_sequences=7))) as c:
        n = _component(c.get("/openapi.json").json(), "GenerateRequest")["properties"]["n_sequences"]
        assert n["maximum"] == 7
        assert c.post("/v1/models/any/generate", json={"n_sequences": 8}).status_code == 413
        assert c.post("/v1/models/any/generate", json={"n_sequences": 7}).status_code == 404  # past the limit check


def test_error_responses_are_problem_documents(spec: dict[str, Any]) -> None:
    seen = set()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if status[0] in "45" and (path, status) != ("/readyz", "503"):  # 503 there: the Readiness body
                    assert list(response["content"]) == [PROBLEM], (method, path, status)
                    assert response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
                    seen.add(int(status))
    assert {401, 403, 404, 406, 409, 413, 422} <= seen
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_generate_lists_its_media_types_and_declares_no_accept_parameter(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/v1/models/{name}/generate"]["post"]
    assert {"application/json", "text/csv; charset=utf-8", "application/x-ndjson"} <= set(
        op["responses"]["200"]["content"]
    )
    assert "406" in op["responses"]
    assert all(p["name"].lower() != "accept" for p in op.get("parameters", []))  # OpenAPI ignores such a parameter


def test_retrain_publishes_part_types_and_options_object(spec: dict[str, Any]) -> None:
    media = spec["paths"]["/v1/models/{name}/retrain"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert media["encoding"]["file"]["contentType"].split(", ") == list(UPLOAD_MEDIA_TYPES)
    assert media["encoding"]["options"]["contentType"] == "application/json"
    body = _component(spec, media["schema"]["$ref"].rsplit("/", 1)[1])
    assert body["properties"]["options"]["allOf"] == [{"$ref": "#/components/schemas/RetrainOptions"}]
    options = _component(spec, "RetrainOptions")
    assert options["additionalProperties"] is False
    assert [s for s in options["properties"]["model_type"]["anyOf"] if "enum" in s][0]["enum"] == list(MODEL_TYPE_NAMES)


def test_upload_type_from_the_part_content_type(client: TestClient, training_csv: Path) -> None:
    csv = training_csv.read_bytes()
    named = client.post(
        "/v1/models/m/retrain",
        files={"file": ("data", csv, "text/csv")},
        data={"options": '{"sequence_key": "meter_id"}'},
    )
    assert named.status_code == 202, named.text
    unknown = client.post("/v1/models/n/retrain", files={"file": ("data", csv, "application/octet-stream")})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "file"


def test_model_dependent_rules_in_descriptions_and_the_checker(spec: dict[str, Any]) -> None:
    props = _component(spec, "GenerateRequest")["properties"]
    for field in ("context", "start"):
        assert "Model-dependent" in props[field]["description"]
        assert "urn:chronogan:problem:invalid-input" in props[field]["description"]
    generate, retrain = "/v1/models/{name}/generate", "/v1/models/{name}/retrain"
    assert allowed(generate, "context.region") and allowed(generate, "start")
    assert not allowed(generate, "seed") and not allowed(generate, None) and not allowed(generate, "version")
    assert allowed(retrain, None) and allowed(retrain, "options.sequence_key") and allowed(retrain, "file")
    assert not allowed(retrain, "options.model_type") and not allowed(retrain, "options")
