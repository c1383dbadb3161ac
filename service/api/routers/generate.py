"""Synchronous generation: small requests answered directly, in JSON, CSV, NDJSON (streamed) or Parquet."""

from __future__ import annotations

from typing import Annotated

from chronogan.service.api.deps import ModelName, ServicesDep, annotate
from chronogan.service.api.errors import ApiError, problem_responses
from chronogan.service.api.formats import MEDIA_TYPES, json_body, ndjson_lines, negotiate
from chronogan.service.api.schemas import GenerateRequest, GenerateResponse
from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse

from chronogan.artifacts.tables import table_bytes

router = APIRouter(prefix="/v1/models", tags=["generate"])

SEED_HEADER = "X-Chronogan-Seed"
VERSION_HEADER = "X-Chronogan-Version"


@router.post(
    "/{name}/generate",
    response_model=GenerateResponse,
    summary="Generate sequences now",
    description=(
        "Format: the body's `format`, else the `Accept` header (application/json, text/csv, "
        "application/x-ndjson, application/vnd.apache.parquet), else JSON. The seed is echoed in the body "
        f"(JSON) and the `{SEED_HEADER}` header; the same version + seed + request gives identical bytes. "
        "Requests above the synchronous limit get 413: use `POST /v1/models/{name}/batches`."
    ),
    responses={
        200: {
            "content": {
                MEDIA_TYPES["csv"]: {"example": "sequence_id,date,units\n0,2024-01-01,12.5\n"},
                MEDIA_TYPES["ndjson"]: {"example": '{"sequence_id":0,"date":"2024-01-01","units":12.5}\n'},
                MEDIA_TYPES["parquet"]: {},
            },
            "headers": {SEED_HEADER: {"description": "The seed used", "schema": {"type": "integer"}}},
        },
        **problem_responses(400, 404, 406, 413, 422, 503),
    },
)
def generate(
    name: ModelName,
    body: GenerateRequest,
    request: Request,
    services: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    fmt = negotiate(body.format, accept)
    limit = services.settings.sync_limit_sequences
    if body.n_sequences > limit:
        raise ApiError(
            413,
            "Too many sequences",
            f"n_sequences {body.n_sequences} is above the synchronous limit of {limit}; "
            f"submit a batch job with POST /v1/models/{name}/batches",
            kind="too-many-sequences",
        )
    model = services.registry.get(name, body.version)
    version = model.manifest.version
    annotate(request, version=version, n_sequences=body.n_sequences, format=fmt)
    # Bad context/seq_len/start are a 422 here, before any byte of a (possibly streamed) 200 is sent.
    plan = model.plan(body.n_sequences, seed=body.seed, seq_len=body.seq_len, context=body.context, start=body.start)
    seed = plan.seed
    annotate(request, seed=seed)
    headers = {SEED_HEADER: str(seed), VERSION_HEADER: version}

    if fmt == "ndjson":
        services.metrics.add_sequences(name, body.n_sequences)
        return StreamingResponse(ndjson_lines(model.chunks(plan)), media_type=MEDIA_TYPES["ndjson"], headers=headers)

    df = model.table(plan)
    services.metrics.add_sequences(name, body.n_sequences)
    if fmt == "json":
        content = json_body(df, {"model": name, "version": version, "seed": seed})
    else:
        content = table_bytes(df, fmt)
        headers["Content-Disposition"] = f'attachment; filename="{name}-{version}-{seed}.{fmt}"'
    return Response(content, media_type=MEDIA_TYPES[fmt], headers=headers)
