"""Request and response bodies of the HTTP API, with the examples shown in the OpenAPI docs."""

from __future__ import annotations

from typing import Any, Literal

from chronogan.service.api.formats import OutputFormat
from chronogan.service.jobs.store import JobState
from pydantic import BaseModel, ConfigDict, Field, field_validator

from chronogan.artifacts.choices import (
    MAX_TRIALS,
    CellType,
    Conditioning,
    LossName,
    ModelTypeName,
    SupervisedLoss,
    TrainMode,
)
from chronogan.artifacts.codes import CodeSpec
from chronogan.artifacts.runtime import MAX_SEED, SEED_BOUND
from chronogan.artifacts.store import VERSION_PATTERN

Label = str | int | float | bool | None

_SEED = Field(
    None,
    ge=0,
    lt=SEED_BOUND,
    description=f"Random seed from 0 to {MAX_SEED}; the same version + seed + request gives identical output. "
    "Drawn when absent.",
    examples=[42],
)
_SEQ_LEN = Field(None, ge=1, le=4096, description="Steps per sequence; default: the model's.", examples=[48])
# Rules that depend on the model, so no schema can state them: a request that breaks one is well formed
# but does not fit the model, and gets 422 with the problem type `urn:chronogan:problem:invalid-input`
# (a request that breaks the schema gets `...:validation`). The field descriptions below state them, and
# the conformance run accepts a schema-valid request's 422 only for these fields (tests/reliability).
MODEL_DEPENDENT_FIELDS = ("context", "start", "codes")
# The same for a retrain upload: the table's content (no field, or `file`), the options that name its columns
# or need enough rows, the training `config` (checked against the chosen model type's config class) and
# `mode: warm` (needs an active version).
UPLOAD_DEPENDENT_FIELDS = (
    "file",
    "options.sequence_key",
    "options.time_column",
    "options.categorical",
    "options.numeric",
    "options.context",
    "options.ignore",
    "options.seq_len",
    "options.stride",
    "options.max_seq_len",
    "options.config",
    "options.mode",
)
_MODEL_RULE = " Breaking this rule: 422, problem type `urn:chronogan:problem:invalid-input`, naming the field."
_CONTEXT = Field(
    None,
    description="Fix context (per-sequence) columns to these values; others are sampled. Model-dependent: the "
    "keys must be the model's context columns and the values among their categories (categorical) or numbers "
    "(numeric), as `GET /v1/models/{name}` lists them." + _MODEL_RULE,
    examples=[{"region": "north"}],
)
_CODES = Field(
    None,
    description=(
        "Fix InfoGAN latent codes (models trained with loss=infogan; the model's `codes` lists them): "
        "catN an integer category from 0, contN a number in its range; others are sampled. Model-dependent: "
        "an unknown code or a value out of its range breaks this rule." + _MODEL_RULE
    ),
    examples=[{"cat0": 1, "cont0": 0.5}],
)
_VERSION = Field(
    None,
    description="Model version (`v1`, `v2`, ...); default: the active one. A version the model does not have: 404.",
    examples=["v2"],
    json_schema_extra={"pattern": VERSION_PATTERN},
)
_START = Field(
    None,
    description="ISO 8601 start time of every sequence; default: sampled. Model-dependent: only for models "
    "trained with a time column (`time_column` in `GET /v1/models/{name}`), and it must parse as a timestamp."
    + _MODEL_RULE,
    examples=["2024-01-01T00:00:00"],
)


def _not_a_bool(value: object) -> object:
    # JSON `true` is not a number, but pydantic's int accepts it as 1 (schemathesis found `{"seed": true}`
    # queued as seed 1). A field validator, not a stricter type, so the published schema keeps its bounds
    # and 4096.0 stays accepted, as JSON Schema's "integer" allows it.
    if isinstance(value, bool):
        raise ValueError("expected an integer, got a boolean")
    return value


class GenerateRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"n_sequences": 5, "seed": 42, "context": {"region": "north"}}]},
    )

    # The maximum is the server's `sync_limit_sequences`, filled into the published schema by
    # `chronogan.service.api.openapi` (the route answers 413 above it, pointing to batches).
    n_sequences: int = Field(
        ge=1,
        description="How many sequences to generate, at most the server's synchronous limit (the schema's "
        "`maximum`); above it: 413, problem type `urn:chronogan:problem:too-many-sequences`, use "
        "`POST /v1/models/{name}/batches`.",
        examples=[5],
    )
    seed: int | None = _SEED
    seq_len: int | None = _SEQ_LEN
    context: dict[str, Label] | None = _CONTEXT
    codes: dict[str, int | float] | None = _CODES
    version: str | None = _VERSION
    start: str | None = _START
    format: OutputFormat | None = Field(
        None, description="Response format; default from the Accept header, else json.", examples=["csv"]
    )

    _integers_are_not_booleans = field_validator("n_sequences", "seed", "seq_len", mode="before")(_not_a_bool)


class GenerateResponse(BaseModel):
    model: str = Field(examples=["sales"])
    version: str = Field(examples=["v2"])
    seed: int = Field(examples=[42])
    columns: list[str] = Field(examples=[["sequence_id", "date", "units"]])
    data: list[list[Any]] = Field(examples=[[[0, "2024-01-01T00:00:00", 12.5], [0, "2024-01-02T00:00:00", 13.0]]])


class BatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"n_sequences": 1_000_000, "seed": 7, "format": "parquet"}]},
    )

    n_sequences: int = Field(ge=1, le=1_000_000_000, examples=[1_000_000])
    seed: int | None = _SEED
    format: Literal["parquet", "csv"] = Field("parquet", examples=["parquet"])
    version: str | None = _VERSION
    seq_len: int | None = _SEQ_LEN
    context: dict[str, Label] | None = _CONTEXT
    codes: dict[str, int | float] | None = _CODES
    start: str | None = _START

    _integers_are_not_booleans = field_validator("n_sequences", "seed", "seq_len", mode="before")(_not_a_bool)


class RetrainOptions(BaseModel):
    """The `options` form field of a retrain upload (JSON)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"sequence_key": "store_id", "time_column": "date", "max_minutes": 5, "mode": "warm"}]
        },
    )

    sequence_key: str | None = Field(None, examples=["store_id"])
    time_column: str | None = Field(None, examples=["date"])
    categorical: list[str] | None = Field(None, examples=[["weekday"]])
    numeric: list[str] | None = None
    context: list[str] | None = Field(None, examples=[["region"]])
    ignore: list[str] | None = Field(None, examples=[["comment"]])
    seq_len: int | None = Field(None, ge=1, le=4096)
    stride: int | None = Field(None, ge=1)
    max_seq_len: int | None = Field(None, ge=1)
    max_columns: int | None = Field(None, ge=1, description="Refuse tables with more columns (default 1000).")
    model_type: ModelTypeName | None = Field(None, examples=["timegan"])
    max_minutes: float | None = Field(None, gt=0, examples=[10])
    mode: TrainMode = Field("fresh", description="warm: start from the active version's weights.", examples=["warm"])
    promote: bool = Field(False, description="Activate the new version whatever the quality gate says.")
    # Training shortcuts (see chronogan.training.config); anything else goes in `config`.
    seed: int | None = Field(None, ge=0, examples=[0])
    loss: LossName | None = None
    supervised_loss: SupervisedLoss | None = Field(
        None, description="Error of the supervised and reconstruction terms: mse (default) or l1."
    )
    conditioning: Conditioning | None = None
    cell: CellType | None = None
    batch_size: int | None = Field(None, ge=1)
    hidden_dim: int | None = Field(None, ge=1)
    num_layers: int | None = Field(None, ge=1)
    config: dict[str, Any] | None = Field(None, examples=[{"lr_g": 0.0005}])
    trials: int | None = Field(
        None,
        ge=1,
        le=MAX_TRIALS,
        description="Train this many runs side by side (seeds seed..seed+trials-1, one core each, same budget) "
        "and keep the one a validation score rates best (default 1).",
        examples=[2],
    )
    evaluate: bool | None = Field(
        None, description="In-sample quick score; only used when the upload is too small for the held-out gate."
    )

    _trials_is_not_a_boolean = field_validator("trials", mode="before")(_not_a_bool)

    def training_options(self) -> dict[str, Any]:
        """What `chronogan.training.api` receives: everything set except `promote`, which the gate uses."""
        return self.model_dump(exclude_none=True, exclude={"promote"})


class JobLinks(BaseModel):
    self: str = Field(examples=["/v1/jobs/3f2a..."])
    result: str | None = Field(None, examples=["/v1/jobs/3f2a.../result"])
    cancel: str | None = None
    retry: str | None = None


class JobOut(BaseModel):
    id: str = Field(examples=["3f2a9c0e5b1d4f7a8e6c2b9d0a1f3e5c"])
    kind: str = Field(examples=["batch"])
    model: str | None = Field(examples=["sales"])
    state: JobState = Field(examples=["running"])
    progress: float = Field(ge=0, le=1, examples=[0.42])
    params: dict[str, Any] = Field(examples=[{"n_sequences": 1_000_000, "seed": 7, "format": "parquet"}])
    created_at: str = Field(examples=["2024-05-01T12:00:00.000Z"])
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = Field(None, examples=[None])
    result: dict[str, Any] | None = None
    cancel_requested: bool = False
    attempts: int = 0
    worker_pid: int | None = None
    heartbeat_at: str | None = None
    links: JobLinks


class JobList(BaseModel):
    jobs: list[JobOut]


class VersionOut(BaseModel):
    version: str = Field(examples=["v2"])
    active: bool
    status: Literal["loaded", "not_loaded", "failed", "unreadable"] = Field(examples=["loaded"])
    created_at: str | None = Field(None, examples=["2024-05-01T12:00:00Z"])
    model_type: ModelTypeName | None = Field(None, examples=["timegan"])
    metrics: dict[str, Any] = {}
    privacy: dict[str, Any] | None = Field(
        None, description="Distance-to-closest-record check against held-out real data (null: not measured)."
    )
    error: str | None = None


class ColumnOut(BaseModel):
    name: str = Field(examples=["units"])
    kind: str = Field(examples=["continuous"])
    is_context: bool = False
    categories: list[Label] | None = None


class ModelSummary(BaseModel):
    name: str = Field(examples=["sales"])
    active_version: str | None = Field(examples=["v2"])
    versions: list[str] = Field(examples=[["v1", "v2"]])


class ModelList(BaseModel):
    models: list[ModelSummary]


class ModelDetail(BaseModel):
    name: str = Field(examples=["sales"])
    active_version: str | None = Field(examples=["v2"])
    versions: list[VersionOut]
    # From the active (else latest) version: what a generate request may ask for.
    layout: str | None = Field(None, examples=["entities"])
    seq_len: int | None = Field(None, examples=[24])
    id_column: str | None = Field(None, examples=["store_id"])
    time_column: str | None = Field(None, examples=["date"])
    columns: list[ColumnOut] = []
    codes: list[CodeSpec] = Field(
        [],
        description="InfoGAN latent codes a generate request may fix (`codes`); empty for other losses.",
        examples=[[{"name": "cat0", "kind": "categorical", "categories": 3}]],
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"] = Field(examples=["ready"])
    store: str = Field(examples=["models"])
    loaded: list[str] = Field(examples=[["sales/v2"]])
    failed: dict[str, str] = Field({}, examples=[{"sales/v1": "generator.onnx: checksum mismatch"}])
    detail: str | None = None
