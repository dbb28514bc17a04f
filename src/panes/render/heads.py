"""Which files make a URL's ``<head>``, and the heads an app keeps across requests.

:class:`Heads` is made once per app from its functions, so that a request asks a dict which
files declare ``metadata``/``viewport`` instead of spelling their keys again, and a head made
only of metadata dicts (the same for every request to a path) is merged and written once.
A request's evaluations of ``metadata``/``viewport`` are :class:`panes.render.calls.Calls`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from panes.appdir.loader import UserFunction, function_key
from panes.core.kept import Kept, size_of
from panes.core.metadata import Head, Resolved, loader_order
from panes.core.plan import Branch, Leaf, Outcome, ParamSpec
from panes.core.state import join, transparent
from panes.core.tree import CHILDREN

Sources = tuple[UserFunction | None, UserFunction | None]
#: One file's metadata and viewport values, once evaluated.
Values = tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]

logger = logging.getLogger("panes")

@dataclass(frozen=True, slots=True)
class HeadFiles:
    """The files that make one head: each with its parameters, whether it is a page, and
    whether it lies behind a loading boundary; the order they merge in; and whether every
    one of them is a dict (the head is the same for every request to a path)."""

    info: Mapping[str, tuple[ParamSpec, bool, bool]]
    order: tuple[str, ...]
    constant: bool


class Heads:
    """One app's metadata sources, by file, and the constant heads made so far, by the files
    that made them and the path."""

    def __init__(self, functions: Mapping[str, UserFunction]) -> None:
        self.sources: dict[str, Sources] = {}
        for file in functions:
            pair = (functions.get(function_key(file, "metadata")),
                    functions.get(function_key(file, "viewport")))
            if pair != (None, None):
                self.sources[file] = pair
        #: the values of the files whose every source is a dict the module holds (checked
        #: when it was loaded): nothing to evaluate per request
        self.constant_values: dict[str, Values] = {
            file: (_value(meta), _value(viewport))
            for file, (meta, viewport) in self.sources.items()
            if all(fn is None or fn.value for fn in (meta, viewport))}
        #: the files whose metadata or viewport is a function: evaluated per request
        self.evaluated = frozenset(self.sources).difference(self.constant_values)
        self._kept: Kept[tuple[tuple[str, ...], str], Head] = Kept()  # by files and path
        self._files: Kept[tuple[Branch, frozenset[str], frozenset[str]], HeadFiles] = Kept()

    def of(self, file: str) -> Sources:
        return self.sources.get(file, (None, None))

    def constant(self, files: tuple[str, ...]) -> bool:
        """Whether every contribution of ``files`` is a dict its module holds."""
        return all(fn is None or fn.value for f in files for fn in self.of(f))

    def kept(self, files: tuple[str, ...], pathname: str,
             make: Callable[[], Resolved]) -> Head:
        """The head of constant ``files`` at ``pathname``, made the first time."""
        key = (files, pathname)
        found = self._kept.get(key)
        if found is None:  # (the path is in the key, the head, and its tags once written)
            found = self._kept.keep(key, Head(make()), 3 * size_of(pathname))
        return found

    def files(self, plan: Branch, placed: Collection[str],
              streamed: Collection[str]) -> HeadFiles:
        """The files whose metadata make the head of ``plan`` with the regions ``placed``
        (``streamed``: those behind a loading boundary), found once per plan and regions."""
        key = (plan, frozenset(placed), frozenset(streamed))
        found = self._files.get(key)
        if found is None:
            info = {file: found for file, found in head_files(
                plan, placed.__contains__, streamed.__contains__) if file in self.sources}
            order = tuple(loader_order(info))
            found = self._files.keep(key, HeadFiles(info, order, self.constant(order)))
        return found


def _value(fn: UserFunction | None) -> Mapping[str, Any] | None:
    value = None if fn is None else fn.func()
    return value if isinstance(value, Mapping) else None


def head_files(plan: Branch, placed: Callable[[str], bool], streamed: Callable[[str], bool]
               ) -> Iterator[tuple[str, tuple[ParamSpec, bool, bool]]]:
    """The files that may make a URL's head: the layouts on the plan and the page of every
    placed slot (region ids as the renderer gives them), each with its parameters, whether it
    is a page, and whether it lies behind a loading boundary."""

    def walk(outcome: Outcome, rid: str, inside: bool, top: bool = False
             ) -> Iterator[tuple[str, tuple[ParamSpec, bool, bool]]]:
        if isinstance(outcome, Leaf):
            if outcome.kind == "page" and outcome.file:
                yield outcome.file, (outcome.params, True, inside)
            return
        if transparent(outcome) and not top:
            yield from walk(outcome.slots[CHILDREN], rid, inside)
            return
        layout = outcome.node.files.get("layout")
        if layout is not None:
            yield layout, (outcome.params, False, inside)
        for key, inner in outcome.slots.items():
            sub = join(rid, key)
            if placed(sub):
                yield from walk(inner, sub, inside or streamed(sub))

    return walk(plan, "", False, top=True)
