"""Structured JSON logs, one object per line, for the API and the worker alike."""

from __future__ import annotations

import json
import logging
import sys
import time

# Attributes every LogRecord has; anything else on a record came in through `extra=` and is logged
# (except uvicorn's terminal-coloured duplicate of the message).
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
_STANDARD.add("color_message")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)  # server side only, never to clients
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", loggers: tuple[str, ...] = ("chronogan",)) -> None:
    """Route the given loggers to stderr as JSON lines (idempotent)."""
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(getattr(h, "_chronogan", False) for h in logger.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(JsonFormatter())
            handler._chronogan = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
