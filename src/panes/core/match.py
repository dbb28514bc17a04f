"""Matching a URL path to a route, or to the interception of a soft navigation: a pure
function over one segment trie.

Pages, route handlers (``route.py``) and interception targets share the trie, and one search
order decides specificity for all of them: at each segment a static child is tried before the
dynamic one, then a catch-all, then an optional catch-all (the order of
:data:`panes.core.segments.RANK`), so the first match found is the most specific; the cost follows
the URL's depth, not the number of routes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TypeVar
from urllib.parse import unquote_to_bytes

from panes.core.errors import BadRequest
from panes.core.intercept import Interception
from panes.core.plan import Branch
from panes.core.routes import HandlerRoute, Route
from panes.core.segments import RANK, Kind, Segment

MAX_PATH_BYTES = 8 * 1024
_ESCAPES = re.compile(rb"(?:[^%]|%[0-9A-Fa-f]{2})*")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
#: The kinds that consume the rest of the URL, most specific first.
_TAILS = sorted((Kind.CATCH_ALL, Kind.OPTIONAL_CATCH_ALL), key=RANK.__getitem__)
_ROUTE: Callable[[_Targets], Route | None] = attrgetter("route")  # a page's route, if any

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: Route
    segments: tuple[str, ...]

    @property
    def plan(self) -> Branch:
        return self.route.plan


@dataclass(frozen=True, slots=True)
class HandlerMatch:
    route: HandlerRoute
    segments: tuple[str, ...]

    @property
    def params(self) -> dict[str, str | list[str]]:
        return self.route.params.bind(self.segments)


@dataclass(slots=True)
class _Targets:
    """What one pattern leads to: its route (pages) or handler (``route.py``), and the
    interceptions of it (deepest first)."""

    route: Route | None = None
    handler: HandlerRoute | None = None
    interceptions: list[Interception] = field(default_factory=list)


@dataclass(slots=True)
class _Trie:
    static: dict[str, _Trie] = field(default_factory=dict)
    dynamic: _Trie | None = None
    tails: dict[Kind, _Targets] = field(default_factory=dict)
    end: _Targets | None = None


class Matcher:
    """Finds the most specific route for a list of decoded URL segments, and the most specific
    interception of a soft navigation."""

    def __init__(self, routes: Sequence[Route],
                 interceptions: Sequence[Interception] = (),
                 handlers: Sequence[HandlerRoute] = ()) -> None:
        self._root = _Trie()
        for route in routes:
            targets = self._targets(route.pattern)
            targets.route = targets.route or route
        for handler in handlers:
            targets = self._targets(handler.pattern)
            targets.handler = targets.handler or handler
        self.has_handlers = bool(handlers)
        for item in sorted(interceptions, key=lambda i: -len(i.intercepting)):
            self._targets(item.intercepted).interceptions.append(item)

    def _targets(self, pattern: Sequence[Segment]) -> _Targets:
        node = self._root
        for seg in pattern:
            if seg.kind is Kind.STATIC:
                node = node.static.setdefault(seg.value, _Trie())
            elif seg.kind is Kind.DYNAMIC:
                node.dynamic = node.dynamic or _Trie()
                node = node.dynamic
            else:
                return node.tails.setdefault(seg.kind, _Targets())
        node.end = node.end or _Targets()
        return node.end

    def match(self, segments: Sequence[str]) -> RouteMatch | None:
        if "" in segments:
            return None  # no folder is named "", and no parameter is empty
        route = _find(self._root, segments, 0, _ROUTE)
        return RouteMatch(route, tuple(segments)) if route else None

    def handler(self, segments: Sequence[str]) -> HandlerMatch | None:
        """The route handler for the URL, when the most specific pattern that matches it is a
        ``route.py``'s (a more specific page wins over a handler's catch-all, and the other way
        round)."""
        if not self.has_handlers or "" in segments:
            return None
        found = _find(self._root, segments, 0, lambda t: t.route or t.handler)
        if isinstance(found, HandlerRoute):
            return HandlerMatch(found, tuple(segments))
        return None

    def intercept(self, target: Sequence[str], background: Sequence[str]) -> Interception | None:
        """The interception of a soft navigation from ``background`` to ``target``, if any: the
        most specific target pattern first, then the deepest intercepting route."""
        if "" in target:
            return None

        def pick(targets: _Targets) -> Interception | None:
            return next((i for i in targets.interceptions if i.applies_from(background)), None)

        return _find(self._root, target, 0, pick)


def _find(node: _Trie, segments: Sequence[str], i: int,
          pick: Callable[[_Targets], T | None]) -> T | None:
    if i == len(segments):
        found = None if node.end is None else pick(node.end)
        if found is None:
            optional = node.tails.get(Kind.OPTIONAL_CATCH_ALL)
            if optional is not None:
                return pick(optional)
        return found
    child = node.static.get(segments[i])
    if child is not None:
        found = _find(child, segments, i + 1, pick)
        if found is not None:
            return found
    if node.dynamic is not None:
        found = _find(node.dynamic, segments, i + 1, pick)
        if found is not None:
            return found
    if node.tails:
        for kind in _TAILS:
            tail = node.tails.get(kind)
            if tail is not None:
                found = pick(tail)
                if found is not None:
                    return found
    return None


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
        if b"%" in part:
            if not _ESCAPES.fullmatch(part):
                raise BadRequest("the URL path holds an invalid percent-escape")
            part = unquote_to_bytes(part)
        try:
            text = part.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the URL path is not valid UTF-8") from None
        if _CONTROL.search(text):
            raise BadRequest("the URL path holds a control character")
        if text in (".", ".."):
            raise BadRequest("the URL path holds a dot segment (browsers resolve them away)")
        segments.append(text)
    return tuple(segments)
