"""The generation plan of an HTTP request: one place that maps a request body onto `SequenceGenerator.plan`."""

from __future__ import annotations

from chronogan.service.api.schemas import BatchRequest, GenerateRequest

from chronogan.artifacts.runtime import GenerationPlan, SequenceGenerator


def plan_request(model: SequenceGenerator, body: GenerateRequest | BatchRequest) -> GenerationPlan:
    """Checks n/context/codes/seq_len/start against the model's manifest (a bad request is a 422 before any
    output or job exists) and settles the seed."""
    return model.plan(
        body.n_sequences,
        seed=body.seed,
        seq_len=body.seq_len,
        context=body.context,
        start=body.start,
        codes=body.codes,
    )
