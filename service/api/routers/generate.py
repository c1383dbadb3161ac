"""Synchronous generation: small requests answered directly, in JSON, CSV, NDJSON (streamed) or Parquet."""

from __future__ import annotations

import time

from chronogan.service.api.admission import Overloaded, overloaded_error
from chronogan.service.api.deps import ModelName, Services, ServicesDep, annotate
from chronogan.service.api.errors import ApiError, problem_responses
from chronogan.service.api.formats import MEDIA_TYPES, csv_chunks, json_body, ndjson_lines, negotiate
from chronogan.service.api.planning import plan_request
from chronogan.service.api.schemas import GenerateRequest, GenerateResponse
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from chronogan.artifacts.runtime import CHUNK_SEQUENCES
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
        "application/x-ndjson, application/vnd.apache.parquet), else JSON; an `Accept` that allows none of "
        "them gets 406. The seed is echoed in the body "
        f"(JSON) and the `{SEED_HEADER}` header; the same version + seed + request gives identical bytes. "
        "Requests above the synchronous limit get 413: use `POST /v1/models/{name}/batches`. NDJSON, and CSV "
        f"above {CHUNK_SEQUENCES} sequences, are streamed. When the server is at its limit of concurrent "
        "generation work it answers 503 at once, with `Retry-After` (seconds)."
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
) -> Response:
    # `Accept` is read here, not declared as a parameter: OpenAPI ignores a header parameter named Accept
    # and states content negotiation as the media types of each response (200 lists them, 406 is documented).
    fmt = negotiate(body.format, request.headers.get("accept"))
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
    # Bad context/codes/seq_len/start are a 422 here, before any byte of a (possibly streamed) 200 is sent.
    plan = plan_request(model, body)
    seed = plan.seed
    annotate(request, seed=seed)
    headers = {SEED_HEADER: str(seed), VERSION_HEADER: version}
    if fmt in ("csv", "parquet"):
        headers["Content-Disposition"] = f'attachment; filename="{name}-{version}-{seed}.{fmt}"'

    _enter_gate(services, name)
    started = time.perf_counter()
    streaming = False
    try:
        if fmt == "ndjson" or (fmt == "csv" and body.n_sequences > CHUNK_SEQUENCES):
            # Streamed chunk by chunk (memory bounded by the chunk, not the request); the slot is held
            # until the last chunk is sent.
            services.metrics.add_sequences(name, body.n_sequences)
            render = ndjson_lines if fmt == "ndjson" else csv_chunks
            stream = services.gate.held(render(model.chunks(plan)))
            streaming = True
            return StreamingResponse(stream, media_type=MEDIA_TYPES[fmt], headers=headers)

        df = model.table(plan)
        services.metrics.add_sequences(name, body.n_sequences)
        if fmt == "json":
            content = json_body(df, {"model": name, "version": version, "seed": seed})
        else:
            content = table_bytes(df, fmt)
        return Response(content, media_type=MEDIA_TYPES[fmt], headers=headers)
    finally:
        if not streaming:
            services.gate.release(time.perf_counter() - started)


def _enter_gate(services: Services, name: str) -> None:
    try:
        services.gate.acquire()
    except Overloaded as exc:
        services.metrics.add_rejected(name)
        raise overloaded_error(exc) from None
