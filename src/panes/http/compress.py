"""Response compression that keeps streaming: every chunk is flushed as it is compressed.

Starlette's GZipMiddleware buffers inside the compressor, so a streamed page's loading UI
would wait for the content behind it. Here each ``more_body`` chunk goes out at once, ended
with a sync flush (a complete deflate block the browser can decode), at a small cost in size.
Brotli is used when the ``brotli`` package is installed and the client prefers it.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from collections.abc import Sequence
from functools import partial
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

try:
    import brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - brotli is a dependency, but optional here
    brotli = None

COMPRESSIBLE = frozenset({
    "text/html", "application/x-panes-navigation", "application/json", "text/javascript",
    "application/javascript", "text/css", "text/plain", "image/svg+xml",
})
MINIMUM_SIZE = 500  # smaller bodies are sent as they are: the headers would outweigh the gain


class CompressMiddleware:
    """gzip (or br) for text responses when ``Accept-Encoding`` allows; sets
    ``Vary: Accept-Encoding``. Leaves alone already-encoded responses, partial content,
    ``Cache-Control: no-transform`` and bodies under ``minimum_size``."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE, gzip_level: int = 6,
                 brotli_quality: int = 4) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.gzip_level = gzip_level
        self.brotli_quality = brotli_quality

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = next((v for k, v in scope["headers"] if k == b"accept-encoding"), b"")
        encoding = choose_encoding(accept.decode("latin-1")) if accept else None
        if encoding is None or scope["method"] == "HEAD":  # nothing to compress: Vary only
            await self.app(scope, receive, partial(self._vary, send))
            return
        responder = _Responder(self, send, encoding)
        await self.app(_without_file_sending(scope), receive, responder.send)

    async def _vary(self, send: Send, message: Message) -> None:
        """A response sent as it is, with ``Vary: Accept-Encoding`` when it could have been
        compressed (a cache must not give it to a client that accepts gzip)."""
        if message["type"] == "http.response.start":
            headers = message.get("headers", [])
            if self.eligible(message["status"], headers):
                message = {**message, "headers": with_vary(headers)}
        await send(message)

    def eligible(self, status: int, raw: Sequence[tuple[bytes, bytes]]) -> bool:
        """Whether a response with these headers is compressed (when the client accepts it)."""
        if status in (204, 206, 304):
            return False
        media = length = b""
        for key, value in raw:
            key = key.lower()
            if key == b"content-type":
                media = value.split(b";", 1)[0].strip().lower()
            elif key == b"content-length":
                length = value
            elif key in (b"content-encoding", b"content-range") or (
                    key == b"cache-control" and b"no-transform" in value.lower()):
                return False
        return (media.decode("latin-1") in COMPRESSIBLE
                and not (length.isdigit() and int(length) < self.minimum_size))

    def compressor(self, encoding: str) -> _Compressor:
        if encoding == "br":
            return _Brotli(self.brotli_quality)
        return _Gzip(self.gzip_level)


def choose_encoding(accept: str) -> str | None:
    """The encoding to use for this ``Accept-Encoding``: ``br``, ``gzip`` or ``None``."""
    weights: dict[str, float] = {}
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name:
            weights[name.strip()] = q
    star = weights.get("*", 0.0)
    options = (["br"] if brotli is not None else []) + ["gzip"]
    best = max(options, key=lambda e: weights.get(e, star))
    return best if weights.get(best, star) > 0 else None


# ASGI extensions by which the server sends a body itself (a file, by its path or descriptor):
# a response that may be compressed must send its bytes through here instead.
FILE_SENDING = ("http.response.pathsend", "http.response.zerocopysend")


def _without_file_sending(scope: Scope) -> Scope:
    extensions = scope.get("extensions")
    if not extensions or not any(name in extensions for name in FILE_SENDING):
        return scope
    kept = {k: v for k, v in extensions.items() if k not in FILE_SENDING}
    return {**scope, "extensions": kept}


def with_vary(raw: Sequence[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers with ``Accept-Encoding`` added to their ``Vary``."""
    headers = list(raw)
    for i, (key, value) in enumerate(headers):
        if key.lower() == b"vary":
            headers[i] = (key, value + b", Accept-Encoding")
            return headers
    headers.append((b"vary", b"Accept-Encoding"))
    return headers


class _Compressor:
    """A compressed stream that pads its length with a random number of bytes outside the
    content (BREACH: a page that shows a secret beside reflected input otherwise leaks the
    secret, guess by guess, through the compressed size; Django's GZipMiddleware pads the
    same way since 4.2, "Heal The Breach")."""

    def compress(self, data: bytes) -> bytes:
        raise NotImplementedError

    def flush(self) -> bytes:
        """What is needed to decode everything given so far (the stream goes on)."""
        raise NotImplementedError

    def finish(self) -> bytes:
        raise NotImplementedError


MAX_PADDING = 100  # random bytes added to each compressed answer: 1 to this many


def _padding() -> bytes:
    return secrets.token_bytes(1 + secrets.randbelow(MAX_PADDING))


class _Gzip(_Compressor):
    """gzip whose header carries a file name of random length (letters, as RFC 1952 wants)."""

    def __init__(self, level: int) -> None:
        self._z = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate
        self._crc = 0
        self._size = 0
        name = bytes(97 + b % 26 for b in _padding())
        # magic, deflate, FNAME flag, no mtime, no extra flags, unknown OS; the name, NUL
        self._header: bytes | None = b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff" + name + b"\x00"

    def _head(self) -> bytes:
        header, self._header = self._header, None
        return header or b""

    def compress(self, data: bytes) -> bytes:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        return self._head() + self._z.compress(data)

    def flush(self) -> bytes:
        return self._head() + self._z.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        trailer = struct.pack("<II", self._crc, self._size & 0xFFFFFFFF)
        return self._head() + self._z.flush(zlib.Z_FINISH) + trailer


class _Brotli(_Compressor):
    """brotli with a metadata meta-block of random length (RFC 7932, 9.2: skipped by every
    decoder) before the stream's end."""

    def __init__(self, quality: int) -> None:
        assert brotli is not None
        self._b: Any = brotli.Compressor(quality=quality)

    def compress(self, data: bytes) -> bytes:
        out: bytes = self._b.process(data)
        return out

    def flush(self) -> bytes:
        out: bytes = self._b.flush()
        return out

    def finish(self) -> bytes:
        aligned: bytes = self._b.flush()  # a byte boundary, where a meta-block may begin
        skipped = _padding()
        # ISLAST=0, MNIBBLES=0 (code 3), reserved 0, MSKIPBYTES=1, MSKIPLEN-1 in 8 bits
        header = (3 << 1) | (1 << 4) | ((len(skipped) - 1) << 6)
        out: bytes = self._b.finish()
        return aligned + header.to_bytes(2, "little") + skipped + out


class _Responder:
    """One response passing through: decides at its first body message."""

    def __init__(self, owner: CompressMiddleware, send: Send, encoding: str) -> None:
        self.owner = owner
        self._send = send
        self.encoding = encoding
        self.start: Message | None = None
        self.compressor: _Compressor | None = None
        self.passthrough = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers = message.get("headers", [])
            if self.owner.eligible(message["status"], headers):
                self.start = {**message, "headers": with_vary(headers)}
            else:
                self.passthrough = True
                await self._send(message)
            return
        if kind != "http.response.body" or self.passthrough:
            if self.start is not None:  # another kind of body (an extension): sent as it is
                start, self.start, self.passthrough = self.start, None, True
                await self._send(start)
            await self._send(message)
            return
        if self.start is not None:
            await self._begin(message)
            return
        assert self.compressor is not None
        body = self.compressor.compress(message.get("body", b""))
        more = message.get("more_body", False)
        body += self.compressor.flush() if more else self.compressor.finish()
        if body or not more:
            await self._send({"type": "http.response.body", "body": body, "more_body": more})

    async def _begin(self, message: Message) -> None:
        """The first body message: compress from here on, or send as it is."""
        start, self.start = self.start, None
        assert start is not None
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        if not more and len(body) < self.owner.minimum_size:
            await self._send(start)
            await self._send(message)
            self.passthrough = True
            return
        self.compressor = self.owner.compressor(self.encoding)
        headers = MutableHeaders(raw=start["headers"])
        headers["content-encoding"] = self.encoding
        etag = headers.get("etag")
        if etag and not etag.startswith("W/"):
            headers["etag"] = "W/" + etag  # the compressed bytes are another representation
        payload = self.compressor.compress(body)
        payload += self.compressor.flush() if more else self.compressor.finish()
        if more:
            del headers["content-length"]
        else:
            headers["content-length"] = str(len(payload))
        await self._send({**start, "headers": headers.raw})
        await self._send({"type": "http.response.body", "body": payload, "more_body": more})

