"""A lean HTTP/1.1 keep-alive client for the service benchmark's load generator.

The load generator runs on the same 2 cores as the server, so every millisecond of CPU it spends is taken
from the server. httpx (a full client: URL parsing, header models, the h11 parser in pure Python) cost about
0.45 of a core at ~130 requests/s of 168 kB responses and a whole core at 64 clients (issue 13, runs of
2026-12-02), which both slowed the server and put the client's own queueing into the latencies it
measured. This client writes one pre-encoded request per call and reads the answer with asyncio's
C-implemented stream buffer: status line, headers, then `Content-Length` bytes or chunked transfer
(streamed NDJSON/CSV). It is for measuring only: no redirects, TLS, proxies or compression.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


class HttpError(Exception):
    """The connection failed or the answer was not HTTP/1.1 (the load generator counts these by type)."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """One keep-alive connection to `host:port`; requests on it are sequential (one client = one connection)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        # A large read limit so a whole chunk-size line or header block never trips readuntil's limit.
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)

    async def request(
        self, method: str, path: str, body: bytes = b"", content_type: str = "application/json"
    ) -> Answer:
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body or method in ("POST", "PUT", "PATCH"):
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        try:
            self._writer.write(head.encode("latin-1") + b"\r\n" + body)
            raw = await self._reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            if not lines[0].startswith("HTTP/1."):
                raise HttpError(f"not an HTTP/1.x status line: {lines[0][:40]!r}")
            status = int(lines[0].split(" ", 2)[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            if "content-length" in headers:
                data = await self._reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                data = await self._read_chunked()
            else:
                data = b""
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            await self.close()
            raise HttpError(type(exc).__name__) from exc
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, headers, data)

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")  # no trailers from our server: the final empty line
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
