"""A fault-injecting HTTP proxy for browser tests, on loopback.

It sits between Chromium and a ``panes start`` server and passes every request through, except
those a test arms it for: those get their answer cut after some chunks and bytes, delayed, their
connection refused, or a 502/503/504 from the proxy itself (a restarting upstream). Each armed
fault serves ``times`` matching requests, then the proxy passes requests through again, so the
runtime's fallback (a full page load, a retry) reaches the real server.

A streamed answer is chunked, one chunk per flush of the server: the first record (or the
document up to its fills), each fill, the final state. ``Cut(chunks=2)`` therefore cuts between
the first and the second fill of an answer, ``Cut(chunks=0, bytes=9)`` inside its first record.
Every request is sent upstream with ``Connection: close``: one request per connection, so that
a fault never reaches another request.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cut:
    """Close the connection after ``chunks`` whole chunks of the answer's body and ``bytes`` bytes
    of the next (an answer with a Content-Length: after ``bytes`` bytes of its body)."""

    chunks: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class Delay:
    """Pass the request upstream ``seconds`` later."""

    seconds: float


@dataclass(frozen=True)
class Refuse:
    """Reset the connection without an answer (a server that is not there)."""


@dataclass(frozen=True)
class Status:
    """Answer ``code`` from the proxy (502, 503, 504: the upstream is restarting)."""

    code: int


Fault = Cut | Delay | Refuse | Status
REASONS = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


@dataclass(frozen=True)
class Seen:
    """A request that reached the proxy, and the fault it got (None: passed through)."""

    method: str
    path: str
    headers: Mapping[str, str]
    fault: Fault | None


@dataclass
class _Armed:
    fault: Fault
    method: str | None
    path: str | None
    header: str | None
    times: int

    def matches(self, method: str, path: str, headers: Mapping[str, str]) -> bool:
        return ((self.method is None or method == self.method)
                and (self.path is None or path == self.path)
                and (self.header is None or self.header in headers))


@dataclass
class Proxy:
    """``with Proxy(upstream_port) as proxy:`` serves on ``proxy.url`` until the block ends."""

    upstream: int
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    _armed: list[_Armed] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def arm(self, fault: Fault, *, method: str | None = "GET", path: str | None = None,
            header: str | None = None, times: int = 1) -> None:
        """The next ``times`` requests with this method, path and header (all optional) get the
        fault; faults armed earlier are matched first."""
        with self._lock:
            self._armed.append(_Armed(fault, method, path, header.lower() if header else None,
                                      times))

    def reset(self) -> None:
        """Nothing armed, nothing seen: for the next test."""
        with self._lock:
            self._armed.clear()
            self.seen.clear()

    def requests(self, method: str | None = None, header: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if (method is None or s.method == method)
                    and (header is None or header.lower() in s.headers)]

    def faulted(self) -> list[Fault]:
        """The faults requests got, in order: what a test injected."""
        with self._lock:
            return [s.fault for s in self.seen if s.fault is not None]

    def _take(self, method: str, path: str, headers: Mapping[str, str]) -> Fault | None:
        with self._lock:
            fault = None
            for armed in self._armed:
                if armed.matches(method, path, headers):
                    fault = armed.fault
                    armed.times -= 1
                    if not armed.times:
                        self._armed.remove(armed)
                    break
            self.seen.append(Seen(method, path, headers, fault))
            return fault

    # -- running ------------------------------------------------------------------------------

    def __enter__(self) -> Proxy:
        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        async def main() -> None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
            port = self._server.sockets[0].getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            started.set()
            async with self._server:
                await self._server.serve_forever()

        def run() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                self._loop.run_until_complete(main())

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._thread.join(5)

    def _accept(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        """Each connection's task is kept until it ends (asyncio keeps only a weak reference)."""
        task = asyncio.ensure_future(self._serve(client, to_client))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            head = await client.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            to_client.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        fault = self._take(method, path, headers)
        try:
            match fault:
                case Refuse():
                    to_client.transport.abort()
                    return
                case Status(code):
                    body = f"<!doctype html><title>{code}</title><h1>{code} {REASONS.get(code, '')}</h1>"
                    to_client.write(
                        f"HTTP/1.1 {code} {REASONS.get(code, 'Error')}\r\n"
                        f"Content-Type: text/html\r\nContent-Length: {len(body)}\r\n"
                        f"Connection: close\r\n\r\n{body}".encode())
                    await to_client.drain()
                    return
                case Delay(seconds):
                    await asyncio.sleep(seconds)
            await self._relay(lines, client, to_client, fault if isinstance(fault, Cut) else None)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            to_client.close()
            with contextlib.suppress(ConnectionError):
                await to_client.wait_closed()

    async def _relay(self, lines: list[str], client: asyncio.StreamReader,
                     to_client: asyncio.StreamWriter, cut: Cut | None) -> None:
        upstream, to_upstream = await asyncio.open_connection("127.0.0.1", self.upstream)
        kept = [line for line in lines[1:] if line and not line.lower().startswith("connection:")]
        to_upstream.write("\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1"))
        body = asyncio.ensure_future(_pipe(client, to_upstream))  # a post's body
        try:
            head = await upstream.readuntil(b"\r\n\r\n")
            to_client.write(head)
            if cut is None:
                await _pipe(upstream, to_client)
                return
            response = head.decode("latin-1").lower()
            if "transfer-encoding: chunked" not in response:
                to_client.write(await upstream.read(cut.bytes) if cut.bytes else b"")
                await to_client.drain()
                return
            for _ in range(cut.chunks):
                size_line = await upstream.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                to_client.write(size_line + await upstream.readexactly(size + 2))
                if size == 0:  # the answer ended before the cut
                    await _pipe(upstream, to_client)
                    return
            if cut.bytes:
                size_line = await upstream.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                to_client.write(size_line + await upstream.readexactly(min(cut.bytes, size)))
            await to_client.drain()
        finally:
            body.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await body
            to_upstream.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    while data := await source.read(65536):
        sink.write(data)
        await sink.drain()
