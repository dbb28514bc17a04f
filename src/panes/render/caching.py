"""Caching wired into rendering: which files cache their region, and under which key.

The renderer asks :class:`Regions` at three places: a page or default (``leaf``), a layout
(``layout``: cached without its slots, per value it read with ``selected_layout_segment(s)``)
and a slot behind a ``loading.py`` (``peek``: cached content goes out at once, with no loading
UI). A file caches when it sets ``revalidate > 0``; ``panes check`` refuses it in a function
that declares ``request``, ``cookies`` or ``action_result`` (:data:`panes.core.kinds.PER_REQUEST`),
and :func:`spec_for` refuses it again here, so a region rendered for one request (one user's
page, one action's result) is never stored, nor served to another, whatever the checks let
through.
Whole answers remembered on top of the regions are :mod:`panes.http.remembered`.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from panes.appdir.loader import UserFunction
from panes.cache.keys import cache_key
from panes.cache.paths import below, normalize_path
from panes.cache.region import Ledger, Reads, RegionCache
from panes.core.kinds import PER_REQUEST
from panes.core.plan import Branch, Leaf
from panes.core.segments import Kind, parse_segment
from panes.core.state import Source
from panes.core.tree import Node


@dataclass(frozen=True, slots=True)
class Spec:
    """How one file's region is cached: for how long, under which tags, and whether the query
    is part of its key (the function declares ``search_params``)."""

    revalidate: float
    tags: tuple[str, ...]
    search_params: bool
    #: it declares ``pathname``: the path is part of its key (a layout's or a default's path
    #: is not given by its params)
    pathname: bool = False


def spec_for(fn: UserFunction) -> Spec | None:
    """The caching of ``fn``'s region, or ``None`` when it renders per request."""
    revalidate = float(fn.constants.get("revalidate", 0) or 0)
    if not revalidate > 0 or fn.takes_all or fn.wants & PER_REQUEST:
        return None
    return Spec(revalidate, tuple(fn.constants.get("TAGS", ())), "search_params" in fn.wants,
                "pathname" in fn.wants)


class Regions:
    """The app's cached regions: the cache, the code's version (part of every key), and the
    spec of each file that caches."""

    def __init__(self, cache: RegionCache, version: str,
                 functions: Mapping[str, UserFunction]) -> None:
        self.cache = cache
        self.version = version
        #: the files that cache their region, each with how (a dict: looked up per region)
        self.specs: dict[str | None, Spec] = {file: spec for file, fn in functions.items()
                                              if (spec := spec_for(fn)) is not None}

    async def leaf(self, spec: Spec, leaf: Leaf, src: Source,
                   render: Callable[[], Awaitable[str]], ledger: Ledger) -> str:
        """A page's or default's HTML. A page is indexed under its URL path, a default under
        its folder's URL and everything below (it shows on all of them)."""
        key, paths = self._leaf_key(spec, leaf, src)
        return await self.cache.get_or_render(key, render, spec.revalidate, spec.tags, paths,
                                              ledger)

    async def peek(self, spec: Spec, leaf: Leaf, src: Source,
                   render: Callable[[], Awaitable[str]], ledger: Ledger) -> str | None:
        """The cached HTML of a leaf behind a ``loading.py``, or ``None`` (then it streams)."""
        key, paths = self._leaf_key(spec, leaf, src)
        return await self.cache.peek(key, render, spec.revalidate, spec.tags, paths, ledger)

    async def layout(self, spec: Spec, branch: Branch, file: str, src: Source,
                     render: Callable[[], Awaitable[tuple[str, Reads]]],
                     lookup: Callable[[str], Sequence[str]], tokens: Mapping[str, str],
                     ledger: Ledger) -> tuple[str, Reads]:
        """A layout's HTML without its slots, and the segments it read.

        The slots are placeholders (``tokens``: slot key -> this request's placeholder), whose
        text carries a per-request nonce so that no user text can forge one. The entry stores
        them under a nonce of its own, drawn when it is rendered, and each request puts its
        own placeholders back: the cached HTML never holds a token another request could
        match, and text that was in the layout's output never becomes a slot.
        """
        async def stored() -> tuple[str, Reads]:
            html, reads = await render()
            nonce = secrets.token_hex(6)
            for name, token in tokens.items():
                html = html.replace(token, _marker(nonce, name))
            return nonce + html, reads

        key = cache_key(file, branch.params.bind(src.segments), None, _path(spec, src),
                        version=self.version)
        paths = [below(folder_url(branch.node, src.segments))]
        html, reads = await self.cache.get_or_render_varying(
            key, stored, lookup, spec.revalidate, spec.tags, paths, ledger)
        nonce, html = html[:12], html[12:]
        for name, token in tokens.items():
            html = html.replace(_marker(nonce, name), token)
        return html, reads

    def _leaf_key(self, spec: Spec, leaf: Leaf, src: Source) -> tuple[str, list[str]]:
        assert leaf.file is not None
        query = QueryParams(src.query).multi_items() if spec.search_params else None
        key = cache_key(leaf.file, leaf.params.bind(src.segments), query, _path(spec, src),
                        version=self.version)
        if leaf.kind == "page":
            return key, [src.url.partition("?")[0]]
        return key, [below(folder_url(leaf.node, src.segments))]


def _path(spec: Spec, src: Source) -> dict[str, list[str]] | None:
    """The ``pathname`` part of a key, for a function that declares it."""
    return {"pathname": [src.pathname]} if spec.pathname else None


def _marker(nonce: str, name: str) -> str:
    return f"\ue000{nonce}:{name}\ue001"


def folder_url(node: Node, segments: Sequence[str]) -> str:
    """The URL path a folder stands for in this request: as many of the URL's segments as the
    folder's path has URL segments (all the rest for a catch-all). An interception folder
    climbs levels that its path does not show: it counts as the root (so ``revalidate_path``
    of any URL drops what it shows: more than needed, never less)."""
    depth = 0
    for part in node.path.split("/") if node.path else ():
        segment = parse_segment(part)
        if segment.intercept is not None:
            return "/"
        if segment.kind in (Kind.CATCH_ALL, Kind.OPTIONAL_CATCH_ALL):
            depth = len(segments)
            break
        if segment.is_url:
            depth += 1
    return normalize_path("/" + "/".join(segments[:depth]))
