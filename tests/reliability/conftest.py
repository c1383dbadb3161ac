"""Reliability fixtures: the service tests' tiny trained model (trained once per session), reused here.

Importing the fixture functions makes pytest register them for this directory too, so both suites share
one way of building a store instead of two that could drift apart.
"""

from __future__ import annotations

from tests.service.conftest import (  # noqa: F401
    client,
    model_client,
    model_store,
    settings,
    store,
    trained_store,
    training_csv,
)
