"""One request's calls of the user's functions: the arguments each may declare, the call, what
it returns as HTML, from the cache when the file says ``revalidate``, with the file's
``metadata()``/``viewport()`` evaluated beside it (once per file and URL, so that a failure
renders the same error boundary), and the heads made of them, in Next.js's order.

The renderer decides *which* file renders where (layouts, slots, boundaries, streaming);
:class:`Calls` is how a file renders. It holds nothing of the renderer, so that what the
request's metadata evaluations hold leaves no reference cycle behind.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import numbers
import secrets
import traceback
from collections.abc import Awaitable, Collection, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from markupsafe import escape
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from panes.appdir.loader import UserFunction, slot_argument
from panes.cache.region import Ledger, Reads
from panes.core.errors import NotFound, ServerError, UnrenderableValue
from panes.core.metadata import Head, Resolved, checked
from panes.core.metadata import resolve as resolve_head
from panes.core.plan import Branch, Leaf, Outcome, ParamSpec
from panes.core.state import Source, Trail, collapse
from panes.render.context import LayoutContext, current_layout
from panes.render.cookies import cookies_for
from panes.render.forms import mark
from panes.render.heads import Values

if TYPE_CHECKING:  # (types only: the site and the response's task group are handed in)
    from panes.http.connection import Work
    from panes.render.site import Site

T = TypeVar("T")

logger = logging.getLogger("panes")


class Calls:
    """What one request gives the functions it calls, and the calls: :meth:`html` for a file
    rendered as it is, :meth:`leaf`, :meth:`layout` and :meth:`peek` through the cache. The
    ``ledger`` notes whether user code ran (an answer made only of cached regions is the same
    for everyone)."""

    def __init__(self, site: Site, request: Request, state: Mapping[str, Any] | None,
                 action_result: Any, work: Work | None) -> None:
        self.heads = site.heads
        self.dev = site.dev
        self.app_name = site.app_name  # files are named as panes check names them: app/page.py
        #: each file's metadata()/viewport(), by file and URL: started with its render
        self._started: dict[tuple[str, str, str | None], asyncio.Future[Values]] = {}
        self.functions = site.functions
        self.regions = site.regions
        self.actions = site.actions
        self._slot_names = site.slot_names
        self.request = request
        self.state = state if state is not None else {}
        self.action_result = action_result  # after an action: its result, for every function
        self.work = work
        #: the regions whose content comes after the first flush (or on click), as the
        #: renderer finds them: their files' metadata is not waited for
        self.streamed: set[str] = set()
        self.metadata = True  # whether files' metadata() run with them (a page shown: yes)
        self.ledger = Ledger()
        self._query = request.scope.get("query_string", b"").decode("latin-1")
        self._query_params: QueryParams | None = None  # the request's, parsed when asked for
        self._paths: dict[str, str] = {}  # each URL's ``pathname``, decoded once

    # -- arguments ----------------------------------------------------------------------

    def available(self, params: ParamSpec, src: Source, layout: bool = False) -> dict[str, Any]:
        """The arguments a file's function may declare (a layout gets no ``search_params``)."""
        available: dict[str, Any] = {
            "params": params.bind(src.segments) if params.entries else {},
            "request": self.request, "action_result": self.action_result,
            "pathname": self.pathname(src)}
        if not layout:
            if src.query != self._query:
                available["search_params"] = QueryParams(src.query)
            else:
                if self._query_params is None:
                    self._query_params = self.request.query_params
                available["search_params"] = self._query_params
        return available

    def pathname(self, src: Source) -> str:
        """The path inside the app of the URL ``src`` renders (``/login``, decoded)."""
        found = self._paths.get(src.url)
        if found is None:
            found = self._paths[src.url] = src.pathname
        return found

    def invoke(self, fn: UserFunction, file: str, available: Mapping[str, Any]) -> Any:
        """Call a user function of ``file`` with the arguments it declared."""
        if not fn.value:
            self.ledger.complete = False  # a user function ran: this response is not all cached
        if fn.per_call:
            # rendering may be streaming already: the cookies are read-only, naming the file
            available = {**available, "state": self.state,
                         "cookies": cookies_for(self.request, f"{self.app_name}/{file}")}
        if fn.takes_all:
            return fn.func(**available)
        return fn.func(**{name: available[name] for name in fn.wants if name in available})

    # -- calls ----------------------------------------------------------------------------

    async def html(self, file: str, available: Mapping[str, Any],
                   src: Source | None = None) -> str:
        """What a user function returned, as HTML; what cannot be is an error naming the file
        and the function. With ``src`` (a layout or a page), the file's ``metadata()`` runs at
        the same time and must succeed too: if it raises, the error boundary renders instead,
        as in Next.js."""
        task = None if src is None or file not in self.heads.evaluated or not self.metadata \
            else self.start(file, available, src)  # (no metadata function: no call)
        try:
            result = self.invoke(self.functions[file], file, available)
            if inspect.isawaitable(result):
                if self.work is not None:
                    self.work.watch()  # it waits: the client leaving cancels it
                result = await result
        except BaseException:
            if task is not None:
                task.cancel()
                if task.done() and not task.cancelled():
                    task.exception()  # the file's own failure is the one shown
            raise
        try:
            html = _render(result, None)
        except UnrenderableValue as exc:
            exc.args = (exc.describe(file, file.rsplit("/", 1)[-1].removesuffix(".py")),)
            raise
        action = self.actions.get(file)
        if action is not None:  # its forms name it: a post runs this page's action()
            html = mark(html, action)
        if task is not None:
            await task
        return html

    async def wrapped(self, file: str, params: ParamSpec, src: Source,
                      placeholders: Mapping[str, str], context: LayoutContext) -> str:
        """A layout (or template) around its slots, with the layout context set."""
        available = self.available(params, src, layout=True)
        names = self._slot_names
        for key, placeholder in placeholders.items():
            name = names.get(key)
            if name is None:  # (once per slot of the app)
                name = names[key] = slot_argument(key)
            available[name] = placeholder
        token = current_layout.set(context)
        try:
            return await self.html(file, available, src)
        finally:
            current_layout.reset(token)

    def leaf(self, leaf: Leaf, file: str, src: Source) -> Awaitable[str]:
        """A page's or default's HTML, to await (from the cache when the file says
        ``revalidate``). Not a coroutine itself: one frame fewer per slot."""
        available = self.available(leaf.params, src)
        head_src = src if leaf.kind == "page" else None
        spec = self.regions.specs.get(file) if self.regions is not None else None
        if spec is None:
            return self.html(file, available, head_src)
        assert self.regions is not None
        cached = self.regions.leaf(spec, leaf, src,
                                   lambda: self.html(file, available, head_src), self.ledger)
        if head_src is None or file not in self.heads.evaluated:
            return cached  # (no function to run: no frame more)
        return self._with_head(file, available, head_src, cached)

    async def layout(self, branch: Branch, src: Source, layout: str,
                     placeholders: Mapping[str, str],
                     context: LayoutContext) -> tuple[str, Reads]:
        """The layout's HTML (its slots still placeholders) and the segments it read: from the
        cache when the layout says ``revalidate``."""

        async def render() -> tuple[str, Reads]:
            html = await self.wrapped(layout, branch.params, src, placeholders, context)
            return html, dict(context.reads)

        spec = self.regions.specs.get(layout) if self.regions is not None else None
        if spec is None:
            return await render()
        assert self.regions is not None
        tokens = {key: str(p) for key, p in placeholders.items()}
        cached = self.regions.layout(spec, branch, layout, src, render, context.lookup,
                                     tokens, self.ledger)
        if layout not in self.heads.evaluated or not self.metadata:
            return await cached
        available = self.available(branch.params, src, layout=True)
        return await self._with_head(layout, available, src, cached)

    async def peek(self, outcome: Outcome, src: Source) -> str | None:
        """A streamed slot's content if the cache holds it (a page or default, through the
        folders that add nothing around it), else ``None``."""
        head = collapse(outcome)[1]
        if not isinstance(head, Leaf) or head.file is None or self.regions is None:
            return None
        spec = self.regions.specs.get(head.file)
        if spec is None:
            return None
        file = head.file
        available = self.available(head.params, src)
        found = await self.regions.peek(spec, head, src, lambda: self.html(file, available),
                                        self.ledger)
        if found is None or head.kind != "page" or file not in self.heads.evaluated:
            return found
        return await self._with_head(file, available, src, already(found))

    async def _with_head(self, file: str, available: Mapping[str, Any], src: Source,
                         cached: Awaitable[T]) -> T:
        """What the cache answers for ``file``: its ``metadata()`` runs either way, so that a
        cache hit gets the head a render gets, and a failure of it renders the error boundary,
        as when the file renders."""
        task = self.start(file, available, src)
        try:
            value = await cached
        except BaseException:
            if task is not None:
                task.cancel()
            raise
        if task is not None:
            await task
        return value

    # -- metadata ----------------------------------------------------------------------------

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

    async def head(self, plan: Branch, src: Source, placed: Collection[str], *,
                   wait: bool = False) -> Head | None:
        """The head of ``src``'s URL: the metadata of the layouts on ``plan`` and of the page
        each placed slot shows, merged in Next.js's order (docs/metadata.md); None while a
        file behind a loading boundary (:attr:`streamed`) is still evaluating (``wait``: wait for
        those too).

        Files that did not render in this request (the layouts above a soft navigation's
        regions) are evaluated here; one that failed contributes nothing (its error boundary
        shows instead).
        """
        tasks = []
        files = self.heads.files(plan, placed, self.streamed)
        for file, (params, page, inside) in files.info.items():
            task = self._started.get((file, src.url, src.via))
            if task is None and (wait or not inside):
                task = self.start(file, self.available(params, src, not page), src)
            if task is not None and (wait or not inside) and not task.done():
                tasks.append(task)
        if tasks:  # (asyncio.wait would give the loop a turn even for finished ones)
            await asyncio.wait(tasks)
        return self.ready(plan, src, placed)

    def ready(self, plan: Branch, src: Source, placed: Collection[str]) -> Head | None:
        """The head, if every file it needs has been evaluated; else None."""
        files = self.heads.files(plan, placed, self.streamed)
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

    # -- boundaries ------------------------------------------------------------------------

    async def error(self, branch: Branch, file: str, exc: Exception, outcome: Outcome,
                     src: Source) -> str:
        """The folder's ``error.py`` for ``exc`` (its message only under ``panes dev``: in
        production a digest the log names too)."""
        digest = secrets.token_hex(4)
        logger.error("error in %s, shown by %s (digest %s)", _describe(outcome), file, digest,
                     exc_info=exc)
        available = self.available(branch.params, src)
        available["error"] = exc if self.dev else ServerError(digest)
        return await self.html(file, available)

    async def escalate(self, exc: Exception, trail: Trail, region: str, outcome: Outcome,
                       src: Source) -> tuple[str, str]:
        """A failure after the first flush that no boundary inside its streamed region caught:
        the nearest boundary above (``trail``) shows it, in the region it guards."""
        kind = "not_found" if isinstance(exc, NotFound) else "error"
        for branch, above in reversed(trail[:-1]):
            file = branch.node.files.get(kind)
            if file is None:
                continue
            try:
                if kind == "error":
                    return above, await self.error(branch, file, exc, outcome, src)
                return above, await self.html(file, self.available(branch.params, src))
            except Exception as again:  # noqa: BLE001 - the boundary failed: try the next one
                exc = again
        logger.error("error in %s after the response started", _describe(outcome), exc_info=exc)
        text = "This part of the page could not be loaded."
        if kind == "not_found":
            text = "This part of the page could not be found."
        details = ""
        if self.dev:
            details = f"<pre>{escape(''.join(traceback.format_exception(exc)))}</pre>"
        return region, f'<div role="alert">{text}</div>{details}'


def _close_unawaited(raw: list[Any], future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        for value in raw:
            if inspect.iscoroutine(value):
                value.close()


def _merge(order: Sequence[str], values: Mapping[str, Values], pathname: str) -> Resolved:
    """The files' values merged in their order (see docs/metadata.md)."""
    return resolve_head([(f, values[f][0]) for f in order], [values[f][1] for f in order],
                        pathname=pathname)


async def already(html: str) -> str:
    return html


def to_html(value: Any) -> str:
    """What a function returned, as HTML: ``__html__`` is inserted as is, a ``str`` (or a
    number, as React renders numbers) is escaped text, ``None`` and booleans are nothing (as in
    React, so ``cond and Markup(...)`` works), a list, tuple or iterator is its items in order.
    Anything else raises :class:`UnrenderableValue` naming it and what to return instead."""
    return _render(value, None)


def _render(value: Any, inside: str | None) -> str:
    if value is None or isinstance(value, bool):
        return ""
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    if isinstance(value, str):
        return str(escape(value))
    if isinstance(value, numbers.Number):
        return str(escape(str(value)))
    if isinstance(value, list | tuple | Iterator):
        where = inside or f"a {type(value).__name__}"
        return "".join(_render(item, where) for item in value)
    what, fix = _unrenderable(value)
    raise UnrenderableValue(value, what if inside is None else f"{what} inside {inside}", fix)


def _unrenderable(value: Any) -> tuple[str, str]:
    """How to name ``value`` and what to return instead."""
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    if isinstance(value, Response):
        return (f"{article} {name}", "a page returns HTML; to answer with a Response, "
                "use a route handler (route.py)")
    if isinstance(value, Mapping):
        return (f"{article} {name}", "return markup (Markup, htpy, a Jinja2 template) or text; "
                "to answer with JSON, use a route handler (route.py)")
    if isinstance(value, bytes | bytearray | memoryview):
        what = "bytes" if name == "bytes" else f"{article} {name}"
        return (what, "decode it first (value.decode()) and return the str, "
                "or wrap trusted HTML in Markup(value.decode())")
    if inspect.isawaitable(value):
        return (f"{article} {name}", "await it: make the function async def and return "
                "await ...")
    if isinstance(value, Iterable):  # a set, a dict view: unordered or not meant as content
        return (f"{article} {name}", "return a list (its order is the order on the page) "
                "of markup or text")
    return (f"{article} {name} ({_short(value)})",
            "return markup (anything with __html__: Markup, htpy, Jinja2), a str for text, "
            "a list of these, or None")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, Leaf):
        return outcome.file or outcome.node.path
    return outcome.node.path or "."
