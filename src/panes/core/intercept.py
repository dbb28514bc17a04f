"""Intercepting routes: ``(.)x``, ``(..)x``, ``(..)(..)x``, ``(...)x``.

A page below an interception folder does not serve a URL of its own. It serves a soft
navigation to the URL it *intercepts*, made from a page at or below the folder that holds the
marker (the *intercepting* route, whose URL the user is on: the background). Levels count URL
segments; groups and slots do not count. A hard load never intercepts.

An interception renders with the segments of both URLs: those of the background for the part
above the marker, those of the target for the part from the marker down (Next.js's rule:
params above the marker come from the current tree, the others from the target URL).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from panes.core.errors import Problem, ref
from panes.core.plan import Branch
from panes.core.routes import (
    Chain,
    PatternKey,
    Route,
    build_plan,
    overlaps,
    pattern_key,
    pattern_path,
    url_segments,
)
from panes.core.segments import Kind, Segment
from panes.core.tree import Node


@dataclass(frozen=True, eq=False, slots=True)
class Interception:
    """One interception route: from ``intercepting`` (and below), soft navigations to
    ``intercepted`` render ``plan`` instead. ``folder`` is the one holding the marker."""

    folder: Node
    intercepting: tuple[Segment, ...]
    intercepted: tuple[Segment, ...]
    plan: Branch

    @property
    def _base(self) -> int:
        """How many of the intercepted URL's segments lie above the marker."""
        levels = self.folder.segment.intercept or 0
        return 0 if levels < 0 else len(self.intercepting) - levels

    def applies_from(self, background: Sequence[str]) -> bool:
        """Whether a soft navigation from ``background`` is intercepted (from the intercepting
        route and below)."""
        depth = len(self.intercepting)
        return len(background) >= depth and matches(self.intercepting, background[:depth])

    def segments(self, target: Sequence[str], background: Sequence[str]) -> tuple[str, ...]:
        """The segments this interception's plan binds its parameters to."""
        return (*background[:len(self.intercepting)], *target[self._base:])

    def __repr__(self) -> str:
        return f"Interception({self.folder.path!r})"


def interception_chains(root: Node) -> Iterator[tuple[Chain, int]]:
    """Every page below an interception folder, with the index of that folder in its chain."""

    def walk(node: Node, chain: Chain, marker: int | None) -> Iterator[tuple[Chain, int]]:
        chain = (*chain, node)
        if node.segment.intercept is not None and marker is None:
            marker = len(chain) - 1
        if marker is not None and node.files.get("page"):
            yield chain, marker
        for child in (*node.children, *node.slots.values()):
            yield from walk(child, chain, marker)

    return walk(root, (), None)


def build_interceptions(root: Node, routes: Sequence[Route]) -> tuple[list[Interception],
                                                                      list[Problem]]:
    """The interception routes of the tree, and what keeps any of them from resolving."""
    groups: dict[tuple[Node, PatternKey], list[Chain]] = defaultdict(list)
    for chain, marker in interception_chains(root):
        groups[(chain[marker], pattern_key(url_segments(chain)))].append(chain)
    problems: list[Problem] = []
    found: list[Interception] = []
    for (folder, _), chains in groups.items():
        marker = chains[0].index(folder)
        intercepting = url_segments(chains[0][:marker])
        levels = folder.segment.intercept or 0
        if levels > len(intercepting):
            continue  # climbs above the root: reported by panes check's tree checks
        base = intercepting[:0 if levels < 0 else len(intercepting) - levels]
        intercepted = (*base, *url_segments(chains[0][marker:]))
        plan = build_plan(root, chains, {}, problems)  # catch-alls never fill interceptions
        found.append(Interception(folder, intercepting, intercepted, plan))
    problems += _unresolved(found, routes)
    problems += _duplicates(found)
    return found, problems


def _unresolved(interceptions: Sequence[Interception],
                routes: Sequence[Route]) -> Iterator[Problem]:
    """An interception is fine when some URL it intercepts is also served by a route (a more
    general pattern than the page it stands in for is common: ``(.)x/[...id]`` over
    ``x/[id]``). One that never meets a served URL intercepts only links to 404s."""
    for item in interceptions:
        if any(overlaps(item.intercepted, r.pattern) for r in routes):
            continue
        path = pattern_path(item.intercepted)
        yield Problem(
            item.folder.path,
            f"it intercepts {path}, but no page serves any URL that matches it: a hard load "
            "or reload of such a URL is a 404, and only links to 404s are intercepted",
            f"add the page it intercepts (a page.py serving {path}), or fix the folder names "
            "after the marker",
            "warning",
        )


def _duplicates(interceptions: Sequence[Interception]) -> Iterator[Problem]:
    seen: dict[tuple[PatternKey, PatternKey], Interception] = {}
    for item in interceptions:
        key = (pattern_key(item.intercepting), pattern_key(item.intercepted))
        other = seen.setdefault(key, item)
        if other is not item and _slot_of(other.folder) == _slot_of(item.folder):
            yield Problem(
                item.folder.path,
                f"{ref(other.folder.path)} and {ref(item.folder.path)} both intercept "
                f"{pattern_path(item.intercepted)} from {pattern_path(item.intercepting)}",
                "keep one of them",
            )


def _slot_of(folder: Node) -> str:
    return "/".join(p for p in folder.path.split("/") if p.startswith("@"))


def matches(pattern: Sequence[Segment], segments: Sequence[str]) -> bool:
    """Whether a URL pattern matches the segments exactly."""
    for i, seg in enumerate(pattern):
        if seg.kind is Kind.OPTIONAL_CATCH_ALL:
            return True
        if seg.kind is Kind.CATCH_ALL:
            return len(segments) > i
        if i >= len(segments) or (seg.kind is Kind.STATIC and segments[i] != seg.value):
            return False
    return len(segments) == len(pattern)
