"""Which files make a URL's ``<head>``, the heads an app keeps across requests, and one
request's evaluations of ``metadata``/``viewport``.

:class:`Heads` is made once per app from its functions, so that a request asks a dict which
files declare ``metadata``/``viewport`` instead of spelling their keys again, and a head made
only of metadata dicts (the same for every request to a path) is merged and written once.
:class:`Evaluations` is a request's: each file's functions run once per URL, started with the
file's render (so that a failure renders the same error boundary), merged in Next.js's order.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from panes.appdir.loader import UserFunction, function_key
from panes.core.kept import Kept, size_of
from panes.core.metadata import Head, Resolved, checked, loader_order
from panes.core.metadata import resolve as resolve_head
from panes.core.plan import Branch, Leaf, Outcome, ParamSpec
from panes.core.state import Source, join, transparent
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


class Evaluations:
    """One request's ``metadata``/``viewport`` evaluations, by file and URL, and the heads
    made of them: the evaluating part of the request's calls
    (:class:`panes.render.calls.Calls`, which says how a function is called)."""

    def __init__(self, heads: Heads, dev: bool = False, app_name: str = "app") -> None:
        self.heads = heads
        self.dev = dev
        self.app_name = app_name  # files are named as panes check names them: app/page.py
        self._started: dict[tuple[str, str, str | None], asyncio.Future[Values]] = {}

    def invoke(self, fn: UserFunction, file: str, available: Mapping[str, Any]) -> Any:
        """Call a user function with the arguments it declares."""
        raise NotImplementedError

    def available(self, params: ParamSpec, src: Source, layout: bool = False) -> dict[str, Any]:
        """The arguments of a file's function (a layout's, or a page's)."""
        raise NotImplementedError

    def start(self, file: str, available: Mapping[str, Any],
              src: Source) -> asyncio.Future[Values] | None:
        """Start evaluating a file's ``metadata``/``viewport`` (once per file and URL). A
        sync function is evaluated at once, so its value is ready for the first flush; a
        dict needs no evaluation (it was checked when its module loaded)."""
        if file not in self.heads.evaluated:
            return None
        sources = self.heads.of(file)
        key = (file, src.url, src.via)
        future = self._started.get(key)
        if future is not None:
            return future
        future = asyncio.get_running_loop().create_future()
        try:
            raw = [None if fn is None else self.invoke(fn, file, available) for fn in sources]
            if any(inspect.isawaitable(value) for value in raw):
                future = asyncio.ensure_future(self._awaited(file, raw))
                # cancelled (the file raised not_found(), say) before awaiting them all: close
                # the rest, or each would warn that it was never awaited
                future.add_done_callback(partial(_close_unawaited, raw))
            else:
                future.set_result(self._checked(file, raw))
        except Exception as exc:  # noqa: BLE001 - raised where the file renders
            future.set_exception(exc)
        self._started[key] = future
        return future

    async def _awaited(self, file: str, raw: list[Any]) -> Values:
        return self._checked(file, [await v if inspect.isawaitable(v) else v for v in raw])

    def _checked(self, file: str, raw: list[Any]) -> Values:
        """The values checked; a dict the module holds was checked when it was loaded."""
        def warn(problem: Any) -> None:
            if self.dev:
                logger.warning("%s", problem)

        def value(fn: UserFunction | None, got: Any, name: Literal["metadata", "viewport"]
                  ) -> Mapping[str, Any] | None:
            if fn is not None and fn.value:
                return got if isinstance(got, Mapping) else None
            return checked(f"{self.app_name}/{file}", got, name=name, warn=warn)

        meta, viewport = self.heads.of(file)
        return value(meta, raw[0], "metadata"), value(viewport, raw[1], "viewport")

    async def head(self, plan: Branch, src: Source, placed: Collection[str],
                   streamed: Collection[str], *, wait: bool = False) -> Head | None:
        """The head of ``src``'s URL: the metadata of the layouts on ``plan`` and of the page
        each placed slot shows, merged in Next.js's order (docs/metadata.md); None while a
        file behind a loading boundary (``streamed``) is still evaluating (``wait``: wait for
        those too).

        Files that did not render in this request (the layouts above a soft navigation's
        regions) are evaluated here; one that failed contributes nothing (its error boundary
        shows instead).
        """
        tasks = []
        for file, (params, page, inside) in self.heads.files(plan, placed, streamed).info.items():
            task = self._started.get((file, src.url, src.via))
            if task is None and (wait or not inside):
                task = self.start(file, self.available(params, src, not page), src)
            if task is not None and (wait or not inside) and not task.done():
                tasks.append(task)
        if tasks:  # (asyncio.wait would give the loop a turn even for finished ones)
            await asyncio.wait(tasks)
        return self.ready(plan, src, placed, streamed)

    def ready(self, plan: Branch, src: Source, placed: Collection[str],
              streamed: Collection[str]) -> Head | None:
        """The head, if every file it needs has been evaluated; else None."""
        files = self.heads.files(plan, placed, streamed)
        pathname = src.url.partition("?")[0]
        values: dict[str, Values] = {}
        if files.constant:  # the same head for every request to this path
            values = self.heads.constant_values
            return self.heads.kept(files.order, pathname, lambda: _merge(
                files.order, values, pathname))
        for file, (params, page, _) in files.info.items():
            fixed = self.heads.constant_values.get(file)
            if fixed is not None:
                values[file] = fixed
                continue
            task = self._started.get((file, src.url, src.via))
            if task is None and not any(fn is not None and fn.is_async
                                        for fn in self.heads.of(file)):
                task = self.start(file, self.available(params, src, not page), src)
            if task is None or not task.done():
                return None
            if not task.cancelled() and task.exception() is None:
                values[file] = task.result()
        return Head(_merge([f for f in files.order if f in values], values, pathname))


def _close_unawaited(raw: list[Any], future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        for value in raw:
            if inspect.iscoroutine(value):
                value.close()


def _merge(order: Sequence[str], values: Mapping[str, Values], pathname: str) -> Resolved:
    """The files' values merged in their order (see docs/metadata.md)."""
    return resolve_head([(f, values[f][0]) for f in order], [values[f][1] for f in order],
                        pathname=pathname)


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
