"""The fuzzing loop shared by the CI test and `benchmarks/reliability/fuzz_long.py`.

Each operation in the app's OpenAPI schema gets `examples` generated cases (schema-valid *and* schema-
violating bodies, headers, path and query parameters), each sent through the ASGI transport and checked:
no 5xx, and status code, content type, body and headers as documented. Failures are collected rather than
raised at the first one, so a run reports every distinct problem it found.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


@dataclass
class FuzzReport:
    requests: int = 0
    server_errors: int = 0
    violations: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    # (operation, first line of the failure) -> how often; bounded in size by the distinct problems.
    problems: Counter[tuple[str, str]] = field(default_factory=Counter)
    # One reproduction (a curl command) per distinct problem.
    repro: dict[tuple[str, str], str] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"requests sent: {self.requests}",
            f"server errors (5xx): {self.server_errors}",
            f"schema violations: {self.violations}",
            f"statuses: {dict(sorted(self.by_status.items()))}",
        ]
        for key, n in self.problems.most_common(20):
            lines.append(f"  {n}x {key[0]}: {key[1]}")
            if key in self.repro:
                lines.append(f"      {self.repro[key][:400]}")
        return "\n".join(lines)


def fuzz(
    app: Any, *, examples: int, model: str | None = None, modes: tuple[GenerationMode, ...] | None = None
) -> FuzzReport:
    """`model`: also fuzz every `/v1/models/{name}/...` operation with that existing model's name, so the
    generated bodies reach the model code instead of stopping at a 404 for a random name."""
    report = FuzzReport()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    modes = modes or (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:
            _fuzz_operation(operation, mode, examples, report)
            if model is not None and "{name}" in operation.path:
                _fuzz_operation(operation, mode, examples, report, {"name": model})
    return report


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    report: FuzzReport,
    path_parameters: dict[str, Any] | None = None,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=examples,
        derandomize=True,  # the same cases on every run: a CI failure reproduces locally
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        report.requests += 1
        report.by_status[response.status_code] += 1
        if response.status_code >= 500:
            report.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a BaseExceptionGroup of failures
            report.violations += 1
            failures = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
            first = "; ".join(
                f"{type(f).__name__}: {str(f).strip().splitlines()[0] if str(f).strip() else ''}" for f in failures
            )[:200]
            key = (operation.label, f"[{mode.value}] [{response.status_code}] {first}")
            report.problems[key] += 1
            report.repro.setdefault(key, case.as_curl_command())

    try:
        run()
    except Unsatisfiable:
        # Negative mode on an operation with nothing to violate (no parameters, no body): no cases exist.
        pass
    except Exception as exc:  # a strategy that cannot be built is itself a finding, not a crash of the run
        report.violations += 1
        report.problems[(operation.label, f"[{mode.value}] generation: {type(exc).__name__}: {exc}"[:200])] += 1
