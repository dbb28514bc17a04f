"""Matching a URL path to a route: a pure function over a segment trie.

Static children are tried before the dynamic one, then a catch-all, then an optional catch-all,
so the first match found is the most specific; the cost follows the URL's depth, not the number
of routes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from .errors import BadRequest
from .plan import Branch
from .routes import Route
from .segments import Kind

MAX_PATH_BYTES = 8 * 1024
_ESCAPES = re.compile(rb"(?:[^%]|%[0-9A-Fa-f]{2})*")


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: Route
    segments: tuple[str, ...]

    @property
    def plan(self) -> Branch:
        return self.route.plan


@dataclass(slots=True)
class _Trie:
    static: dict[str, _Trie] = field(default_factory=dict)
    dynamic: _Trie | None = None
    catch_all: Route | None = None
    optional: Route | None = None
    route: Route | None = None


class Matcher:
    """Finds the most specific route for a list of decoded URL segments."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._root = _Trie()
        for route in routes:
            self._insert(route)

    def _insert(self, route: Route) -> None:
        node = self._root
        for seg in route.pattern:
            if seg.kind is Kind.STATIC:
                node = node.static.setdefault(seg.value, _Trie())
            elif seg.kind is Kind.DYNAMIC:
                node.dynamic = node.dynamic or _Trie()
                node = node.dynamic
            elif seg.kind is Kind.CATCH_ALL:
                node.catch_all = node.catch_all or route
                return
            else:
                node.optional = node.optional or route
                return
        node.route = node.route or route

    def match(self, segments: Sequence[str]) -> RouteMatch | None:
        if "" in segments:
            return None  # no folder is named "", and no parameter is empty
        route = _find(self._root, segments, 0)
        return RouteMatch(route, tuple(segments)) if route else None


def _find(node: _Trie, segments: Sequence[str], i: int) -> Route | None:
    if i == len(segments):
        return node.route or node.optional
    child = node.static.get(segments[i])
    if child is not None:
        found = _find(child, segments, i + 1)
        if found:
            return found
    if node.dynamic is not None:
        found = _find(node.dynamic, segments, i + 1)
        if found:
            return found
    return node.catch_all or node.optional


def split_path(raw_path: bytes | str) -> tuple[str, ...]:
    """Split a raw URL path into segments, percent-decoding each one on its own.

    ``%2F`` stays inside its segment. Raises :class:`BadRequest` for what no page could serve
    and a browser never sends: invalid UTF-8 or percent-escapes, control characters, dot
    segments, an over-long path.
    """
    raw = raw_path.encode() if isinstance(raw_path, str) else raw_path
    if len(raw) > MAX_PATH_BYTES:
        raise BadRequest("the URL path is too long")
    if not raw.startswith(b"/"):
        raise BadRequest("the URL path must start with /")
    parts = raw[1:].split(b"/") if raw != b"/" else []
    segments = []
    for part in parts:
        if not _ESCAPES.fullmatch(part):
            raise BadRequest("the URL path holds an invalid percent-escape")
        try:
            text = unquote_to_bytes(part).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the URL path is not valid UTF-8") from None
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise BadRequest("the URL path holds a control character")
        if text in (".", ".."):
            raise BadRequest("the URL path holds a dot segment (browsers resolve them away)")
        segments.append(text)
    return tuple(segments)
