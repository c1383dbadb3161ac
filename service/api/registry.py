"""Loaded model versions: one onnxruntime session per version, loaded lazily, verified, cached (LRU).

A version whose files fail their checksum (or whose graph does not load) is remembered as failed and
refused with a clear error for a while, without affecting other versions; `readyz` reports it. Versions
are immutable once published, so a cached session never goes stale; only *which* version is active
changes, and that is read from the store on every request (a cheap file read), so activations made by
the worker or the CLI take effect at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from chronogan.artifacts.errors import ArtifactIntegrityError, NotFoundError
from chronogan.artifacts.runtime import LoadedModel
from chronogan.artifacts.store import ModelStore

log = logging.getLogger("chronogan.registry")

Key = tuple[str, str]


@dataclass(frozen=True)
class LoadFailure:
    error: str
    at: float


class ModelRegistry:
    def __init__(
        self,
        store: ModelStore,
        *,
        threads: int | None = None,
        max_loaded: int = 8,
        retry_failed_after: float = 30.0,
    ) -> None:
        self.store = store
        self.threads = threads
        self.max_loaded = max_loaded
        self.retry_failed_after = retry_failed_after
        self._loaded: OrderedDict[Key, LoadedModel] = OrderedDict()
        self._failed: dict[Key, LoadFailure] = {}
        self._lock = threading.Lock()
        # One lock per version so two first requests do not both load it, while other versions proceed.
        self._key_locks: dict[Key, threading.Lock] = {}

    def resolve(self, name: str, version: str | None = None) -> str:
        return self.store.resolve(name, version)

    def get(self, name: str, version: str | None = None) -> LoadedModel:
        """The loaded version (the active one when `version` is None). NotFoundError for unknown
        models/versions, ArtifactIntegrityError for versions that fail to load."""
        key = (name, self.resolve(name, version))
        with self._lock:
            cached = self._loaded.get(key)
            if cached is not None:
                self._loaded.move_to_end(key)
                return cached
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._loaded:
                    return self._loaded[key]
                failure = self._failed.get(key)
            if failure is not None and time.time() - failure.at < self.retry_failed_after:
                raise ArtifactIntegrityError(f"model {name!r} version {key[1]!r} failed to load: {failure.error}")
            return self._load(key)

    def _load(self, key: Key) -> LoadedModel:
        name, version = key
        started = time.perf_counter()
        try:
            model = LoadedModel.load(self.store.version_dir(name, version), threads=self.threads)
        except NotFoundError:
            raise
        except Exception as exc:  # integrity errors, unreadable manifests: refuse this version only
            message = str(exc)
            with self._lock:
                self._failed[key] = LoadFailure(message, time.time())
            log.error("model version failed to load", extra={"model": name, "version": version, "error": message})
            if isinstance(exc, ArtifactIntegrityError):
                raise
            raise ArtifactIntegrityError(f"model {name!r} version {version!r} failed to load: {message}") from exc
        with self._lock:
            self._failed.pop(key, None)
            self._loaded[key] = model
            self._loaded.move_to_end(key)
            while len(self._loaded) > self.max_loaded:
                self._loaded.popitem(last=False)
        log.info(
            "model version loaded",
            extra={
                "model": name,
                "version": version,
                "load_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return model

    def warm_active(self) -> None:
        """Load every model's active version (at start-up, so the first request is not slow)."""
        for name in self.store.list_models():
            try:
                self.get(name)
            except Exception:  # recorded in _failed and logged; keep warming the others
                continue

    def status(self, name: str, version: str) -> str:
        with self._lock:
            if (name, version) in self._loaded:
                return "loaded"
            if (name, version) in self._failed:
                return "failed"
        return "not_loaded"

    def loaded(self) -> list[Key]:
        with self._lock:
            return list(self._loaded)

    def failures(self) -> dict[Key, str]:
        with self._lock:
            return {k: f.error for k, f in self._failed.items()}
