"""A schemathesis check for the rules no OpenAPI schema can state (loaded through `schemathesis.toml`).

`positive_data_acceptance` counts any 422 on a schema-valid request as a finding. The generate, batches
and retrain routes have rules that depend on the model or on the uploaded table (a context column the model
does not have, `start` for a model without a time column, a table without enough rows); the config lets
those routes answer 422, and this check keeps that from hiding anything else: such a 422 must carry the
documented problem type and, for generate/batches, name only the model-dependent fields the schema
describes (`MODEL_DEPENDENT_FIELDS`). A 422 for a rule the schema could state is still a finding.
"""

from __future__ import annotations

import schemathesis
from chronogan.service.api.schemas import MODEL_DEPENDENT_FIELDS, UPLOAD_DEPENDENT_FIELDS

INVALID_INPUT = "urn:chronogan:problem:invalid-input"


def allowed(path: str, field: str | None) -> bool:
    """Whether a schema-valid request to `path` may be refused for `field` (a documented rule)."""
    if path.endswith("/retrain"):
        # No field: a problem with the uploaded table itself (empty, no header, unreadable, too short).
        return field is None or any(field == f or field.startswith(f + ".") for f in UPLOAD_DEPENDENT_FIELDS)
    return field is not None and field.split(".")[0] in MODEL_DEPENDENT_FIELDS


@schemathesis.check
def model_dependent_rejection(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError("a 422 must be a problem document") from exc
    if body.get("type") != INVALID_INPUT:
        raise AssertionError(
            f"schema-valid request rejected as {body.get('type')!r} (only {INVALID_INPUT} may reject a "
            f"schema-valid request): {body.get('detail')}"
        )
    fields = [e.get("field") for e in body.get("errors", [])]
    undocumented = [f for f in fields if not allowed(case.operation.path, f)]
    if not fields or undocumented:
        raise AssertionError(
            f"schema-valid request rejected for {undocumented or 'no field'}, a rule the schema does not "
            f"document as model- or data-dependent: {body.get('detail')}"
        )
    return None
