"""Files of the ``public/`` directory (beside the app directory), served at their own paths.

``public/mail.css`` is ``/mail.css``, as in Next.js. Starlette's :class:`FileResponse` sends the
file (``ETag``, ``Last-Modified``, ``Range`` with 206 and 416, HEAD); this module decides which
file a URL names, answers 304 to a conditional request, and refuses everything that is not a
plain file inside ``public/``:

- a path segment that is empty, ``.`` or ``..`` (also percent-encoded), or that holds ``/``
  (``%2F``), a backslash, NUL or a control character;
- a dotfile or dot-folder (``.env``, ``.git/``), except ``.well-known/``;
- anything whose real path (symlinks resolved) is outside ``public/``;
- directories (no index files, no listings).

A refused or missing file is ``None``: the request falls through to the pages (whose 404 the
user sees), so nothing tells a probe that a file exists but is refused.

``live=False`` (production) serves the files that were there when the server started, as
Next.js does: a request for any other URL costs no system call. ``live=True`` (``panes dev``)
looks at the disk on every request.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from mimetypes import guess_type
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

from starlette.datastructures import Headers
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["DEFAULT_CACHE_CONTROL", "PublicFiles", "public_paths", "route_path"]

#: Next.js's header for public files: caches may keep them but must ask again (304) each time.
DEFAULT_CACHE_CONTROL = "public, max-age=0"

#: Types the platform's mimetypes table may lack or get wrong; everything else asks it.
CONTENT_TYPES = {
    ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
    ".json": "application/json", ".map": "application/json",
    ".webmanifest": "application/manifest+json", ".wasm": "application/wasm",
    ".svg": "image/svg+xml", ".ico": "image/x-icon", ".webp": "image/webp",
    ".avif": "image/avif", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
    ".otf": "font/otf", ".txt": "text/plain", ".html": "text/html", ".xml": "application/xml",
    ".md": "text/markdown", ".pdf": "application/pdf", ".mp4": "video/mp4",
    ".webm": "video/webm", ".mp3": "audio/mpeg",
}

_ALLOWED_DOT = ".well-known"


def content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return CONTENT_TYPES.get(suffix) or guess_type(name)[0] or "application/octet-stream"


def route_path(scope: Scope) -> bytes:
    """The raw (still percent-encoded) path of the request below the mount point."""
    raw: bytes = scope.get("raw_path") or quote(scope["path"]).encode()
    raw = raw.split(b"?", 1)[0]
    root = scope.get("root_path", "")
    if root:
        prefix = quote(root).encode()
        if raw.startswith(prefix):
            raw = raw[len(prefix):] or b"/"
        else:
            raw = quote(scope["path"][len(root):] or "/").encode()
    return raw


def _segments(raw_path: bytes) -> tuple[str, ...] | None:
    """The decoded segments of a URL path, or None when the path cannot name a public file."""
    if not raw_path.startswith(b"/") or len(raw_path) > 4096:
        return None
    out = []
    for part in raw_path[1:].split(b"/"):
        try:
            name = unquote_to_bytes(part).decode("utf-8")
        except UnicodeDecodeError:
            return None
        if not _safe_name(name):
            return None
        out.append(name)
    return tuple(out)


def _safe_name(name: str) -> bool:
    if not name or name in (".", ".."):
        return False
    if name.startswith(".") and name != _ALLOWED_DOT:
        return False
    return not any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in name)


class PublicFiles:
    """The files of one ``public/`` directory.

    As an ASGI application around ``app``, it answers the requests for its files and passes
    every other request (and every lifespan message) to ``app``.
    """

    def __init__(self, directory: str | os.PathLike[str], app: ASGIApp | None = None, *,
                 live: bool = False, cache_control: str = DEFAULT_CACHE_CONTROL) -> None:
        self.directory = Path(directory)
        self.root = os.path.realpath(self.directory)
        self.app = app
        self.live = live
        self.cache_control = cache_control
        self.known: frozenset[str] | None = None if live else frozenset(
            public_paths(self.directory))

    def lookup(self, raw_path: bytes) -> tuple[str, os.stat_result] | None:
        """The real path and stat of the file that ``raw_path`` names, if it may be served."""
        segments = _segments(raw_path)
        if segments is None:
            return None
        if self.known is not None and "/" + "/".join(segments) not in self.known:
            return None
        try:
            full = os.path.realpath(os.path.join(self.root, *segments))
            if os.path.commonpath([full, self.root]) != self.root:
                return None  # a symlink pointing outside public/
            inside = os.path.relpath(full, self.root).split(os.sep)
            if not all(_safe_name(p) for p in inside):
                return None  # a link to a dotfile
            st = os.stat(full)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return full, st

    def response(self, raw_path: bytes, scope: Scope) -> Response | None:
        """The response for the file at ``raw_path`` (below the mount), or None: no such file."""
        found = self.lookup(raw_path)
        if found is None:
            return None
        full, st = found
        method = scope.get("method", "GET")
        if method not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        headers = {"cache-control": self.cache_control, "x-content-type-options": "nosniff"}
        response = FileResponse(full, stat_result=st, headers=headers,
                                media_type=content_type(full))
        request_headers = Headers(scope=scope)
        if _not_modified(response.headers, request_headers):
            keep = ("etag", "last-modified", "cache-control", "vary", "date")
            return Response(status_code=304, headers={k: v for k, v in response.headers.items()
                                                      if k in keep})
        asked = request_headers.get("range")
        given = _range(asked)
        if given != asked:  # ignored (RFC 9110 14.2: send the whole file), or its numbers bounded
            sent = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"range"]
            if given is not None:
                sent.append((b"range", given.encode("latin-1")))
            return _Scoped(response, {**scope, "headers": sent})
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            response = self.response(route_path(scope), scope)
            if response is not None:
                await response(scope, receive, send)
                return
        if self.app is None:
            await PlainTextResponse("Not Found", 404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _Scoped(Response):
    """A response sent as if the request had ``scope`` (a Range header removed)."""

    def __init__(self, inner: Response, scope: Scope) -> None:
        self.inner, self.scope = inner, scope
        self.status_code = inner.status_code
        self.raw_headers = inner.raw_headers
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.inner(self.scope, receive, send)


def _not_modified(response: Headers, request: Headers) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request.get("if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        etag = response["etag"].removeprefix("W/")
        return etag in (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    since = request.get("if-modified-since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(since) >= parsedate_to_datetime(response["last-modified"])
    except (TypeError, ValueError, IndexError):
        return False


def _range(value: str | None) -> str | None:
    """The Range header Starlette should answer (206/416): ``value`` itself, the same with each
    position past any file written as :data:`_FAR` (Python refuses to read an int of more than
    4,300 digits), or ``None`` for a unit or syntax the server does not know (then the whole
    file is sent)."""
    if value is None:
        return None
    unit, eq, ranges = value.partition("=")
    if not eq or unit.strip().lower() != "bytes":
        return None
    parts, far = [], False
    for part in ranges.split(","):
        start, dash, end = part.strip().partition("-")
        if not dash or not (start or end) or not _POSITION.fullmatch(start + end):
            return None
        if max(len(start.lstrip("0")), len(end.lstrip("0"))) > 18:
            far = True
            start, end = _bounded(start), _bounded(end)
        if start and end and int(start) > int(end):
            return None
        parts.append(f"{start}-{end}")
    return "bytes=" + ",".join(parts) if far else value


#: A byte position past the end of any file (an exabyte).
_FAR = "1" + "0" * 18
_POSITION = re.compile(r"[0-9]*")


def _bounded(digits: str) -> str:
    return digits if len(digits.lstrip("0")) <= 18 else _FAR



def public_paths(directory: str | os.PathLike[str]) -> set[str]:
    """The URL paths (decoded, ``/images/a b.png``) that ``directory`` serves; empty when it
    does not exist. For ``panes check``: a page at one of these URLs is an error."""
    root = os.path.realpath(directory)
    if not os.path.isdir(root):
        return set()
    return {"/" + "/".join(parts) for parts in _walk(root, root, (), {root})}


def _walk(root: str, folder: str, prefix: tuple[str, ...],
          seen: set[str]) -> Iterator[tuple[str, ...]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not _safe_name(entry.name):
            continue
        try:
            real = os.path.realpath(entry.path)
            if os.path.commonpath([real, root]) != root:
                continue
            if entry.is_dir():
                if real not in seen:  # a linked folder may link back up: walk each once
                    yield from _walk(root, entry.path, (*prefix, entry.name), seen | {real})
            elif entry.is_file():
                inside = os.path.relpath(real, root).split(os.sep)
                if all(_safe_name(p) for p in inside):
                    yield (*prefix, entry.name)
        except (OSError, ValueError):
            continue
