"""API-key auth for mutating routes: a FastAPI dependency, active only when `api_key` is configured."""

from __future__ import annotations

import hmac
from typing import Annotated

from chronogan.service.api.deps import ServicesDep
from chronogan.service.api.errors import ApiError
from fastapi import Depends, Security
from fastapi.security import APIKeyHeader

API_KEY_HEADER = "X-API-Key"
_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="Required when the server has a key.")


def require_api_key(services: ServicesDep, key: Annotated[str | None, Security(_scheme)] = None) -> None:
    expected = services.settings.api_key_value()
    if expected is None:
        return
    if not key:
        raise ApiError(
            401,
            "Unauthorized",
            f"this route needs the {API_KEY_HEADER} header",
            kind="unauthorized",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    # Constant-time comparison: response timing must not reveal how much of the key was right.
    if not hmac.compare_digest(key.encode(), expected.encode()):
        raise ApiError(403, "Forbidden", f"the {API_KEY_HEADER} header is not valid", kind="forbidden")


RequireApiKey = Depends(require_api_key)
