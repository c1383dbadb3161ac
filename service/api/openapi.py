"""The published OpenAPI document: FastAPI's, plus the rules it cannot derive from the routes by itself.

Every addition comes from the definition the server enforces, never a copy:
- the synchronous limit (`Settings.sync_limit_sequences`) as the `maximum` of `GenerateRequest.n_sequences`;
- integer bounds as exact integers (FastAPI's OpenAPI models hold them as floats, and `2**63` must not be
  read back as `9.223372036854776e+18`, which tools then compare in doubles);
- every problem response as `application/problem+json` with the `Problem` schema (the only body the
  error handlers send), FastAPI's default 422 (`HTTPValidationError`) included;
- the retrain `options` form field as the `RetrainOptions` JSON object it is parsed into.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chronogan.service.api.errors import PROBLEM_MEDIA_TYPE
from chronogan.service.api.schemas import RetrainOptions
from chronogan.service.api.settings import Settings
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_REF = "#/components/schemas/"
_PROBLEM_REF = {"$ref": _REF + "Problem"}


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Replace `app.openapi` with the generator below (built once, cached like FastAPI's)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = complete(doc, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(doc: dict[str, Any], settings: Settings) -> dict[str, Any]:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["GenerateRequest"]["properties"]["n_sequences"]["maximum"] = settings.sync_limit_sequences
    for operation in _operations(doc):
        for status, response in operation.get("responses", {}).items():
            if status[:1] in ("4", "5"):
                _problem_body(response)
    _retrain_options(doc, schemas)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    _walk(doc, _exact_integer_bounds)
    return doc


def _operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in doc.get("paths", {}).values() for op in item.values() if isinstance(op, dict)]


def _problem_body(response: dict[str, Any]) -> None:
    content = response.get("content")
    if content is None:
        return
    json_schema = content.get("application/json", {}).get("schema", {})
    if PROBLEM_MEDIA_TYPE in content or json_schema.get("$ref") == _REF + "HTTPValidationError":
        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}


def _retrain_options(doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The `options` part is JSON (`encoding` says so in the route): publish the object, not `string`."""
    for operation in _operations(doc):
        media = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {})
        if "options" not in media.get("encoding", {}):
            continue
        body = schemas[media["schema"]["$ref"].removeprefix(_REF)]
        described = body["properties"]["options"]
        schemas["RetrainOptions"] = RetrainOptions.model_json_schema(ref_template=_REF + "{model}")
        body["properties"]["options"] = {
            "allOf": [{"$ref": _REF + "RetrainOptions"}],
            "description": described.get("description", ""),
        }


def _exact_integer_bounds(node: dict[str, Any]) -> None:
    if node.get("type") == "integer":
        for key in _BOUNDS:
            value = node.get(key)
            if isinstance(value, float) and value.is_integer():
                node[key] = int(value)


def _walk(node: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)
