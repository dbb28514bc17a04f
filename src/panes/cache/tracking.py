"""Redis's invalidation messages for a worker's local tier (server-assisted client-side caching).

One connection per worker asks Redis to report every change to a key under the store's prefix
(``CLIENT TRACKING ON REDIRECT <itself> BCAST PREFIX …``, then ``SUBSCRIBE
__redis__:invalidate``; plain RESP2, so any Redis 6+ answers it) and drops the keys it names from
the tier as the messages arrive: an invalidation, a write, an expiry or an eviction made by any
worker on any machine reaches every other in about a millisecond. ``FLUSHDB`` empties the tier.

While this connection is down the tier is not used (reads go to Redis, or render when Redis is
down too), and it is emptied again when the connection comes back, since what changed meanwhile
is unknown; the connection comes back by itself. A ``PING`` every ``ping_interval`` seconds
finds a connection that died silently (a host gone, a cable pulled): without an answer it is
dropped and made again, so the tier is never trusted for long on a dead line.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from typing import Any

from redis.connection import parse_url

from panes.cache.local_tier import LocalTier

logger = logging.getLogger("panes.cache")

CHANNEL = b"__redis__:invalidate"


class ReplyError(Exception):
    """Redis answered a command with an error (``-ERR …``)."""


class Tracking:
    """The tracking connection of one worker: fills nothing, only keeps ``tier`` honest.

    ``entries`` is the prefix of the entries' keys (``panes:e:``), whose suffix is the tier's
    key; ``epoch_key`` the invalidation counter's key.
    """

    def __init__(self, url: str, tier: LocalTier, *, entries: str, epoch_key: str,
                 timeout: float = 0.25, retry_interval: float = 1.0,
                 ping_interval: float = 1.0) -> None:
        self.settings: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]
        self.tier = tier
        self.entries = entries.encode()
        self.epoch_key = epoch_key.encode()
        self.timeout = timeout
        self.retry_interval = retry_interval
        self.ping_interval = ping_interval
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._warned = False

    def start(self) -> None:
        """Run in the current event loop, unless already running (a no-op then)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def reset(self) -> None:
        """A command to Redis failed: stop trusting the tier, and make the connection again."""
        self._down()
        if self._writer is not None:
            self._writer.transport.abort()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._down()

    def _down(self) -> None:
        self.tier.live = False
        self.tier.clear()

    async def _run(self) -> None:
        delay = min(0.1, self.retry_interval)
        while True:
            try:
                await self._listen()
            except Exception as exc:  # whatever it was, the tier is not used until it is back
                if isinstance(exc, ReplyError) and not self._warned:
                    self._warned = True  # e.g. Redis < 6, or an ACL that forbids CLIENT
                    logger.warning("cache: Redis refused to track keys for this worker (%s); "
                                   "every cache hit is a round trip to Redis", exc)
                logger.debug("cache: tracking connection lost (%r)", exc)
            finally:
                self._down()
                if self._writer is not None:
                    self._writer.transport.abort()
                    self._writer = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_interval)

    async def _listen(self) -> None:
        async with asyncio.timeout(self.timeout * 4):
            reader, writer = await self._connect()
            self._writer = writer
            s = self.settings
            if s.get("password") is not None:
                user = [s["username"]] if s.get("username") else []
                await _command(reader, writer, "AUTH", *user, s["password"])
            client_id = await _command(reader, writer, "CLIENT", "ID")
            await _command(reader, writer, "CLIENT", "TRACKING", "ON", "REDIRECT", client_id,
                           "BCAST", "PREFIX", self.entries, "PREFIX", self.epoch_key)
            await _command(reader, writer, "SUBSCRIBE", CHANNEL)
        self.tier.clear()
        self.tier.live = True
        seen = [time.monotonic()]
        pinger = asyncio.get_running_loop().create_task(self._ping(writer, seen))
        try:
            while True:
                message = await _read(reader)
                seen[0] = time.monotonic()
                if isinstance(message, list) and message[:2] == [b"message", CHANNEL]:
                    self._changed(message[2])
        finally:
            pinger.cancel()

    async def _ping(self, writer: asyncio.StreamWriter, seen: list[float]) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            if time.monotonic() - seen[0] > 2 * self.ping_interval + self.timeout:
                self._down()
                writer.transport.abort()  # no answer to the last PING: a dead line
                return
            writer.write(_encode(("PING",)))

    def _changed(self, keys: Any) -> None:
        tier = self.tier
        if keys is None:  # FLUSHDB / FLUSHALL
            tier.clear()
            return
        entries, cut = self.entries, len(self.entries)
        for key in keys:
            if key.startswith(entries):
                tier.drop(key[cut:].decode())
            elif key == self.epoch_key:
                tier.drop_epoch()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        s = self.settings
        if s.get("path"):
            return await asyncio.open_unix_connection(s["path"])
        secure = s.get("connection_class") is not None and "SSL" in s["connection_class"].__name__
        return await asyncio.open_connection(
            s.get("host", "localhost"), s.get("port", 6379),
            ssl=_tls(s) if secure else None)


def _tls(settings: dict[str, Any]) -> ssl.SSLContext:
    """TLS as the URL asks for the store's own connections (``?ssl_cert_reqs=none``,
    ``?ssl_ca_certs=…``)."""
    context = ssl.create_default_context(cafile=settings.get("ssl_ca_certs"))
    if str(settings.get("ssl_cert_reqs", "")).lower() in ("none", "optional"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def _command(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   *args: Any) -> Any:
    writer.write(_encode(args))
    return await _read(reader)


def _encode(args: Any) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


async def _read(reader: asyncio.StreamReader) -> Any:
    """One RESP2 reply."""
    line = await reader.readuntil(b"\r\n")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest
    if kind == b"-":
        raise ReplyError(rest.decode(errors="replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else (await reader.readexactly(size + 2))[:-2]
    if kind == b"*":
        count = int(rest)
        return None if count < 0 else [await _read(reader) for _ in range(count)]
    raise ValueError(f"not a Redis reply: {line[:40]!r}")
