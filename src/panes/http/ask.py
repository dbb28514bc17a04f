"""What a request asks, read once from its path, query and headers: the client runtime's
script, a route handler, a form post, or a page, and for a page how it is asked for (a
document, a soft navigation, a restore, a refresh; a prefetch of one), with the URL it renders
and the URL the browser shows (they differ when a middleware rewrote the path).

Reading is all this module does: the state the browser sent stays text here (the App checks
its signature with its key), and nothing renders. What cannot be served as it is comes back as
:class:`Refused` (a malformed query, a method no page answers), never as an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, unquote

from starlette.requests import Request

from panes.appdir.public import route_path
from panes.core import protocol
from panes.core.errors import BadRequest
from panes.core.match import Matcher, split_path
from panes.core.state import Source
from panes.http.middleware import ORIGINAL_PATH, original_path, original_query
from panes.render.client import PREFIX

MAX_QUERY_PARAMS = 1000
_SAFE = "/%:@!$&'()*+,;=-._~"


@dataclass(frozen=True, slots=True)
class Refused:
    """Not served as asked: a 400 (``message`` says why), a 405, or a 204 (a prefetch of a
    document: nothing runs)."""

    status: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class Moved:
    """``/settings/`` is ``/settings`` (308), as in Next.js, on this site and mount."""

    location: str


@dataclass(frozen=True, slots=True)
class Runtime:
    """The client runtime's script (its path carries its content hash)."""

    path: bytes


@dataclass(frozen=True, slots=True)
class Handler:
    """A ``route.py`` serves the URL."""

    file: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Post:
    """A form posted to a page's URL: an ``action()`` may serve it."""

    src: Source
    browser: str


@dataclass(frozen=True, slots=True)
class Page:
    """A page: ``state`` is the browser's navigation state as it sent it (signed text, empty
    for a document), ``target`` and ``regions`` a restore's, ``prefetched`` the state a
    partial prefetch of this navigation made (the browser holds what it placed)."""

    kind: Literal["document", "navigation", "restore", "refresh"]
    src: Source
    browser: str
    state: str = ""
    target: str = ""
    regions: tuple[str, ...] = ()
    prefetch: bool = False
    prefetched: str | None = None


Ask = Refused | Moved | Runtime | Handler | Post | Page


def read(request: Request, matcher: Matcher) -> Ask:
    """What ``request`` asks (see the module)."""
    scope = request.scope
    try:
        raw = route_path(scope)  # the path to render (a middleware may have rewritten it)
        if raw.startswith(PREFIX):
            return Runtime(raw) if request.method in ("GET", "HEAD") else Refused(405)
        segments = split_path(raw)
        handler = matcher.handler(segments)  # (looked up beside the split: one pass)
        query = _query(scope)
        if query and len(request.query_params.multi_items()) > MAX_QUERY_PARAMS:
            raise BadRequest("too many query parameters")
        asked, asked_query, asked_segments = raw, query, segments
        if ORIGINAL_PATH in scope:  # rewritten: what panes writes uses the browser's URL
            asked, asked_query = original_path(scope), original_query(scope).decode()
            asked_segments = split_path(asked)
    except (BadRequest, UnicodeDecodeError) as exc:
        return Refused(400, f"Bad request: {exc}")
    if _trailing_slash(asked_segments):  # for the URL the browser asked for, never a rewrite
        location = quote(scope.get("root_path", "")) + quote(asked[:-1], safe=_SAFE)
        return Moved(location + (f"?{asked_query}" if asked_query else ""))
    if _trailing_slash(segments):  # a rewrite to /en/ renders /en
        segments, raw = segments[:-1], raw[:-1]
        handler = matcher.handler(segments)
    if handler is not None:
        return Handler(handler.route.file, handler.params)
    if request.method not in ("GET", "HEAD", "POST"):
        return Refused(405)
    src = Source(raw.decode("latin-1") + (f"?{query}" if query else ""), segments, query)
    browser = asked.decode("latin-1") + (f"?{asked_query}" if asked_query else "")
    if request.method == "POST":
        return Post(src, browser)
    return _page(src, browser, _runtime_headers(scope))


def _page(src: Source, browser: str, headers: Mapping[str, str]) -> Page | Refused:
    prefetch = (headers.get(protocol.PREFETCH_HEADER) == "1"
                or headers.get("sec-purpose", "").startswith("prefetch"))
    state = headers.get(protocol.STATE_HEADER)
    if state is None and protocol.REFRESH_HEADER not in headers \
            and protocol.TARGET_HEADER not in headers:
        if prefetch:
            return Refused(204)  # a prefetch of a document: nothing runs
        return Page("document", src, browser)
    state = state or ""  # (a refresh or restore without a state: refused when it is read)
    prefetched = None if prefetch else headers.get(protocol.PREFETCHED_HEADER)
    if protocol.REFRESH_HEADER in headers:
        return Page("refresh", src, browser, state, prefetch=prefetch, prefetched=prefetched)
    if protocol.TARGET_HEADER in headers:
        regions = tuple(unquote(r) for r in headers.get(protocol.REGIONS_HEADER, "").split(",")
                        if r)
        return Page("restore", src, browser, state, headers[protocol.TARGET_HEADER], regions,
                    prefetch, prefetched)
    return Page("navigation", src, browser, state, prefetch=prefetch, prefetched=prefetched)


def _runtime_headers(scope: Mapping[str, Any]) -> dict[str, str]:
    """The headers the client runtime sends (``Panes-*``) and ``Sec-Purpose``, by their
    lowercase names (as ASGI gives them): one pass over the request's headers."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name.startswith(b"panes-") or name == b"sec-purpose":
            found.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return found


def _query(scope: Mapping[str, Any]) -> str:
    try:
        query: str = scope.get("query_string", b"").decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the query string is not valid UTF-8") from None
    return query


def _trailing_slash(segments: Sequence[str]) -> bool:
    """``/settings/``: one empty segment, at the end (``//x`` is no page's URL at all)."""
    return len(segments) > 1 and segments[-1] == "" and "" not in segments[:-1]
