"""Bounded generation work per process: a few requests generate at once, a short queue waits, the rest get
a fast 503 with `Retry-After`.

Without a bound, requests beyond what the cores can do pile up in the thread pool and every one gets slow
(p99 3.9 s at 64 clients, RELIABILITY.md). The queue is bounded by *expected wait*, not by a count: a
request is admitted when the requests ahead of it should be done within `max_wait` seconds at the recent
pace (an exponentially weighted mean of how long a request held its slot), else refused at once. A
request that is admitted but still waits twice that long is refused too, so nothing waits without limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from chronogan.service.api.errors import ApiError

# Weight of the newest request in the running mean of slot time: ~the last 10 requests count.
_EWMA_WEIGHT = 0.1


class Overloaded(Exception):
    """The server is at its limit; `retry_after` (seconds) is what it expects the queue to need."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("the server is at its limit of concurrent generation work")
        self.retry_after = retry_after


def overloaded_error(exc: Overloaded) -> ApiError:
    """The 503 problem for a refused generate request (raised by the route, sent by the early-refusal
    middleware): one text, one `Retry-After`."""
    return ApiError(
        503,
        "Server busy",
        "the server is at its limit of concurrent generation work; "
        f"retry after {exc.retry_after} s (Retry-After), or submit a batch job",
        kind="overloaded",
        headers={"Retry-After": str(exc.retry_after)},
    )


class GenerationGate:
    def __init__(self, slots: int, max_wait: float) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self.slots = slots
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._mean_seconds = 0.0  # 0 until the first request finishes: admit until there is a pace to go by

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._waiting

    def _retry_after(self) -> int:
        # Whole seconds (RFC 9110 delay-seconds), at least 1: the time the current queue should take.
        return max(1, math.ceil((self._waiting + self._running) * self._mean_seconds / self.slots))

    def _would_refuse(self) -> bool:
        if self._running < self.slots and self._waiting == 0:
            return False
        return (self._waiting + 1) * self._mean_seconds / self.slots > self.max_wait

    def refusal(self) -> Overloaded | None:
        """What `acquire()` would raise at once if called now (None: it would admit or queue), without taking
        anything. The app asks this before it reads a generate request's body, so that at the limit a refusal
        costs no body parsing, no validation and no thread hand-off: under overload the refusals are most
        of the requests, and making each one cheap leaves the cores to the admitted ones."""
        with self._cond:
            return Overloaded(self._retry_after()) if self._would_refuse() else None

    def acquire(self) -> None:
        """Take a slot, waiting if the expected wait allows; raises Overloaded otherwise."""
        with self._cond:
            if self._running < self.slots and self._waiting == 0:
                self._running += 1
                return
            if self._would_refuse():
                raise Overloaded(self._retry_after())
            self._waiting += 1
            deadline = time.monotonic() + 2 * self.max_wait
            try:
                while self._running >= self.slots:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise Overloaded(self._retry_after())
                    self._cond.wait(left)
            finally:
                self._waiting -= 1
            self._running += 1

    def release(self, held_seconds: float) -> None:
        with self._cond:
            self._running -= 1
            mean = self._mean_seconds
            self._mean_seconds = held_seconds if mean == 0 else mean + _EWMA_WEIGHT * (held_seconds - mean)
            self._cond.notify()

    @contextmanager
    def slot(self) -> Iterator[None]:
        self.acquire()
        started = time.perf_counter()
        try:
            yield
        finally:
            self.release(time.perf_counter() - started)

    def held(self, chunks: Iterator[bytes]) -> HeldStream:
        """A streamed body holding a slot already taken with `acquire()` until it is done."""
        return HeldStream(self, chunks)


class HeldStream:
    """Releases its slot once: after the last chunk, on close(), or when dropped unsent (a client that went
    away before the body started, where a generator's `finally` would never run)."""

    def __init__(self, gate: GenerationGate, chunks: Iterator[bytes]) -> None:
        self._gate = gate
        self._chunks = chunks
        self._started = time.perf_counter()
        self._open = True

    def __iter__(self) -> HeldStream:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:  # StopIteration included: the body is complete (or failed)
            self.close()
            raise

    def close(self) -> None:
        if self._open:
            self._open = False
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
            self._gate.release(time.perf_counter() - self._started)

    def __del__(self) -> None:
        self.close()
