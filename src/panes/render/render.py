"""Rendering a plan into HTML: layouts first, then the slots they placed, concurrently.

A layout receives its slots as placeholder objects. What it returns is scanned for the
placeholders it placed; only those slots are rendered (a slot the layout leaves out never runs),
all at once, and spliced in, each inside region markers (``<!--panes:team-->…<!--/panes:team-->``)
that let the browser find and replace it (a folder with no layout and no boundary adds nothing
around its children, so they share its region). Each folder's ``error.py``, ``not_found.py`` and
``loading.py`` wrap each of its slots on its own, so a failure or a wait stays in its slot.

The before-first-byte rule. Everything outside a ``loading.py`` boundary is rendered before the
first byte is sent, so its outcomes settle the response: a redirect is a 307, a ``not_found()``
that no ``not_found.py`` catches (or a placed slot with nothing to show) is the root 404 page, an
error that no ``error.py`` catches is a 500, and a ``not_found()`` caught by a ``not_found.py``
makes the status 404. Inside a loading boundary the loading UI goes out in the first flush and
the content follows as a *fill*, in whatever order the boundaries finish; the status is 200 by
then, so a failure there renders in the stream instead: the nearest ``error.py`` (or
``not_found.py``) above it replaces the region it guards, a redirect becomes a script and a meta
refresh. A fill waits for the fill that holds its region, so fills always find their place.

The renderer never sees ASGI: it returns the text before the first flush, and yields fills.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import secrets
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass, replace
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from markupsafe import Markup, escape
from starlette.requests import Request

from panes.appdir.loader import UserFunction, slot_argument
from panes.cache.region import Reads
from panes.core.diff import KEEP
from panes.core.errors import (
    BadRequest,
    MissingSlot,
    NotFound,
    Redirect,
    ServerError,
    UnrenderableValue,
    within_mount,
)
from panes.core.metadata import Head
from panes.core.plan import Branch, Leaf, Outcome
from panes.core.resolve import (
    Render,
    Resolution,
    document_regions,
    template_entry,
    template_region,
)
from panes.core.state import Entry, Source, Trail, collapse, join, segments_below
from panes.core.tree import CHILDREN, Node
from panes.render.context import LayoutContext, current_layout
from panes.render.context import segments_below as plan_segments_below
from panes.render.forms import mark
from panes.render.heads import Evaluations
from panes.render.html import builtin_not_found, is_document, to_html
from panes.render.site import Arguments, Site

if TYPE_CHECKING:  # the response's task group, handed in by the App
    from panes.http.connection import Work

T = TypeVar("T")

#: A render to run, and whether it may wait (see :func:`gather`).
Job = tuple[Callable[[], Awaitable[str]], bool]

logger = logging.getLogger("panes")

#: Slot placeholders carry a per-request nonce, so no text a user wrote can forge one.
_PLACEHOLDER = re.compile("\ue000([0-9a-f]{12}):(\\d+)\ue001")


@dataclass(frozen=True, slots=True)
class Rendered:
    """The document's HTML, and its head (``None`` while it is pending)."""

    html: str
    head: Head | None = None


@dataclass(frozen=True, slots=True)
class Redirected:
    """A ``redirect()`` before the first byte: where to (within the mount path)."""

    url: str
    status: int


@dataclass(frozen=True, slots=True)
class Missing:
    """A ``not_found()`` that no ``not_found.py`` caught (or a placed slot with nothing)."""


@dataclass(frozen=True, slots=True)
class Failed:
    """An error that no ``error.py`` caught before the first byte."""

    error: Exception


#: What a render before the first byte comes to (see :meth:`Renderer.result`).
Result = Rendered | Redirected | Missing | Failed


@dataclass(slots=True)  # (not frozen: made for every slot of every request, and never changed)
class Place:
    """Where a slot renders: its region, the boundaries above it, the URL it comes from.

    ``trail`` holds the (branch, region) pairs from the document down to this slot's own;
    ``flushed`` is the event of the streamed region it is inside, if any.
    """

    region: str
    trail: Trail
    src: Source
    flushed: asyncio.Event | None = None

    def slot(self, branch: Branch, rid: str, src: Source) -> Place:
        """The place of ``branch``'s slot whose region is ``rid``."""
        return Place(rid, (*self.trail, (branch, rid)), src, self.flushed)


class SlotPlaceholder(Markup):
    """What a layout gets for each slot: inserting it is what places it. Markup (a ``str``)
    rather than an object with ``__html__``: htpy and Jinja2 take a ``str`` at once, where
    telling an object has ``__html__`` costs htpy a runtime protocol check per insertion."""

    __slots__ = ()

    def __new__(cls, token: object = "") -> SlotPlaceholder:
        return str.__new__(cls, token)  # (a token is markup: nothing to escape)


@dataclass(frozen=True, slots=True)
class Fill:
    """Content that arrives after the first flush: it replaces region ``target``'s content,
    or sends the browser to ``redirect``."""

    target: str
    html: str
    flushed: asyncio.Event  # set once this fill is sent: fills inside it wait for it
    redirect: str | None = None


class Renderer:
    """Renders the regions of one request's :class:`~panes.core.resolve.Resolution`. Holds the
    status boundaries may change (404), the fills to stream, and ``shown``: what each region it
    rendered (or kept) shows, from which the navigation state is made.
    """

    def __init__(self, site: Site, request: Request, resolution: Resolution, *,
                 stream: bool = True, state: Mapping[str, Any] | None = None,
                 action_result: Any = None, failed: tuple[str, Exception] | None = None,
                 prefetch: bool = False, work: Work | None = None) -> None:
        self.site = site
        self.functions = site.functions
        self.heads = site.heads
        self.regions = site.regions
        self.slot_timeout = site.slot_timeout
        self.dev = site.dev
        self.app_name = site.app_name
        self.request = request
        self.arguments = Arguments(request, state, action_result, site.app_name)
        self.ledger = self.arguments.ledger  # whether every region came fresh from the cache
        self.resolution = resolution
        self.stream = stream
        self.status = 200
        self.shown: dict[str, Entry] = {}
        # after an action, the page whose action raised raises it again where it renders, so
        # its error boundary shows it
        self.failed = failed
        # a prefetch renders loading boundaries' UI and stops there: nothing below runs
        self.prefetch = prefetch
        self.streamed: set[str] = set()  # regions whose content comes later (or on click)
        #: the regions that may hold the whole document (see :func:`document_regions`)
        self.documents: frozenset[str] = frozenset()
        #: each region's own HTML (the regions inside it emptied), left by the branch that
        #: rendered it, taken by the slot that holds it (see :meth:`digested`)
        self.owns: dict[str, str] = {}
        self.handed = False  # whether a stream sends the fills (see :meth:`result`)
        self._nonce = secrets.token_hex(6)
        self._next_id = 0
        self._fills: asyncio.Queue[Fill] | None = None  # made when a slot streams
        self.work = work  # the response's tasks: where the fills run
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsent = 0
        #: metadata()/viewport(), started with each file's render and awaited with it
        self.evaluations = Evaluations(site.heads, self.arguments.invoke,
                                       self.arguments.available, site.dev, site.app_name)

    async def __aenter__(self) -> Renderer:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        """Leaving the renderer stops its fills, unless a stream sends them (they end with the
        response then, in its :class:`~panes.http.connection.Work`)."""
        if self._tasks and (kind is not None or not self.handed):
            self.close()

    async def result(self, item: Render, wait: bool = False) -> Result:
        """The document and its head (once every file it needs has been evaluated, or, to
        ``wait``, the head it comes to), or what stopped it, as a value: a redirect, not
        found, or the failure no boundary caught."""
        plan = item.outcome
        assert isinstance(plan, Branch)  # the document is a whole plan
        try:
            html = await self.render(item)
            if wait:
                found = await self.head(plan, item.src, self.shown)
            else:
                found = self.head_ready(plan, item.src, self.shown)
        except Redirect as exc:
            return Redirected(within_mount(exc.url, self.request.scope), exc.status)
        except NotFound:
            return Missing()
        except Exception as exc:  # noqa: BLE001 - the caller shows it (a 500, an overlay)
            return Failed(exc)
        self.handed = self._unsent > 0  # the fills go on, in the stream that sends them
        return Rendered(html, found)

    async def render(self, item: Render) -> str:
        """One region of the resolution; the document (``""``) is the whole plan's HTML."""
        if item.template:
            assert isinstance(item.outcome, Branch)  # the branch whose template it is
            at = Place(item.region.rpartition("/")[0], item.trail, item.src)
            jobs = self._slot_jobs(item.outcome, at)
            context = LayoutContext(item.outcome, self._lookup(item.outcome, at))
            return await self._template(item.outcome, at, context, item.wraps, *jobs)
        if item.parent is None:
            assert isinstance(item.outcome, Branch)  # the document is a whole plan
            self.documents = document_regions(item.outcome)
            html = await self.branch(item.outcome, Place("", (), item.src))
            self.shown.setdefault("", self.site.entry(item.outcome, item.src, root=True))
            return html
        at = Place(item.region, (*item.trail, (item.parent, item.region)), item.src)
        return await self.slot(item.parent, item.outcome, at)

    # -- the tree ---------------------------------------------------------------------------

    async def branch(self, branch: Branch, at: Place) -> str:
        """A folder's layout around the slots it placed (``at`` is the branch's own place).
        A ``template.py`` is a region of its own inside the layout, around the slots it
        declares: the layout gets it as ``children``."""
        renders, rids, placeholders = self._slot_jobs(branch, at)
        context = LayoutContext(branch, self._lookup(branch, at))
        template = branch.node.files.get("template")
        if template is not None:
            wraps = tuple(k for k in branch.slots if k in template_slots(
                self.functions[template], branch.node))
            inside = {i: renders.pop(i) for i in list(renders) if _key(rids[i]) in wraps}
            slot_id = self._slot_id()
            rids[slot_id] = template_region(at.region)
            renders[slot_id] = (partial(self._template, branch, at, context, wraps, inside, rids,
                                        placeholders),
                                template in self.site.waiting or any(w for _, w in inside.values()))
            placeholders = {k: SlotPlaceholder() if k in wraps else v  # a slot is placed once
                            for k, v in placeholders.items()}
            placeholders[CHILDREN] = self._placeholder(slot_id)
        html: str = str(placeholders[CHILDREN])
        layout = branch.node.files.get("layout")
        if layout is not None:
            html, reads = await self._layout(branch, at, layout, placeholders, context)
            context.reads.update(reads)
            if self.dev:
                self._warn_unplaced(layout, branch, placeholders, html, at.src)
        html, self.owns[at.region] = await self._fill_placeholders(html, renders, rids)
        if context.reads:  # (the template's too, rendered with the slots)
            entry = self.shown.get(at.region) or self.site.entry(branch, at.src, root=True)
            self.shown[at.region] = entry.with_reads(context.reads)
        return html

    def _slot_id(self) -> int:
        slot_id = self._next_id
        self._next_id += 1
        return slot_id

    def _placeholder(self, slot_id: int) -> SlotPlaceholder:
        return SlotPlaceholder(f"\ue000{self._nonce}:{slot_id}\ue001")

    def _slot_jobs(self, branch: Branch, at: Place
                   ) -> tuple[dict[int, Job], dict[int, str], dict[str, SlotPlaceholder]]:
        """The render of each of the branch's slots (the resolution's inner renders in place
        of the plan's), the region of each, and the placeholder a layout places it with."""
        renders: dict[int, Job] = {}
        rids: dict[int, str] = {}
        placeholders: dict[str, SlotPlaceholder] = {}
        for key, outcome in branch.slots.items():
            slot_id = self._slot_id()
            placeholders[key] = self._placeholder(slot_id)
            rid = join(at.region, key)
            src = at.src
            inner = self.resolution.inner.get(rid)
            if inner is not None:
                outcome, src = inner.outcome, inner.src
            rids[slot_id] = rid
            renders[slot_id] = (partial(self.slot, branch, outcome, at.slot(branch, rid, src)),
                                self.site.may_wait(outcome))
        return renders, rids, placeholders

    async def _template(self, branch: Branch, at: Place, context: LayoutContext,
                        wraps: tuple[str, ...], renders: Mapping[int, Job],
                        rids: Mapping[int, str],
                        placeholders: Mapping[str, SlotPlaceholder]) -> str:
        """The template's region: the template around the slots it ``wraps``, each rendered
        (or kept: :meth:`slot` sees the resolution's keeps)."""
        file = branch.node.files.get("template")
        assert file is not None
        rid = template_region(at.region)
        self.shown[rid] = template_entry(file, at.src)
        html = await self._wrapper(file, branch, at, {k: placeholders[k] for k in wraps},
                                   context)
        html, own = await self._fill_placeholders(
            html, {i: job for i, job in renders.items() if _key(rids[i]) in wraps}, rids)
        if at.flushed is None:  # (inside streamed content: its digest is unknown, as theirs)
            self.digested(rid, own)
        return html

    async def _wrapper(self, file: str, branch: Branch, at: Place,
                       placeholders: Mapping[str, SlotPlaceholder],
                       context: LayoutContext) -> str:
        """A layout (or template) around its slots, with the layout context set."""
        available = self.arguments.available(branch.params, at.src, layout=True)
        for key, placeholder in placeholders.items():
            available[slot_argument(key)] = placeholder
        token = current_layout.set(context)
        try:
            return await self.html(file, available, at.src)
        finally:
            current_layout.reset(token)

    async def slot(self, branch: Branch, outcome: Outcome, at: Place) -> str:
        """The content of one slot of ``branch`` (its region's markers are the caller's),
        inside the folder's boundaries."""
        kept = self.resolution.keep.get(at.region)
        if kept is not None:
            self.shown.update(kept)
            return KEEP
        self.shown[at.region] = self.site.entry(outcome, at.src,
                                                self.site.restores(branch.node, at.region))
        loading = branch.node.files.get("loading")
        cached = None
        if loading is not None and self.stream and not self.prefetch and self.regions is not None:
            cached = await self._peek(outcome, at.src)  # cached content: no loading UI
        if cached is not None:
            html = cached
        elif loading is not None and (self.stream or self.prefetch):
            html = await self.html(loading, self.arguments.available(branch.params, at.src))
            self.streamed.add(at.region)
            if not self.prefetch:
                self._spawn(self._streamed(branch, outcome, at))
        else:
            html = await self.caught(branch, outcome, at)
        if at.region not in self.streamed and at.flushed is None:  # sent in the first flush
            own = self.owns.pop(at.region, html)
            if at.region in self.documents and is_document(html):
                self.owns[at.region] = own  # the document's own HTML: the fill above takes it
            else:
                self.digested(at.region, own)
        return html

    def digested(self, rid: str, own: str) -> None:
        """Region ``rid``'s entry with the digest of its own HTML (see :mod:`panes.core.diff`),
        computed as it renders: no scan of the page for its regions afterwards."""
        entry = self.shown.get(rid)
        if entry is not None and own != KEEP:
            self.shown[rid] = self.site.with_digest(entry, self.site.digests(own))

    async def caught(self, branch: Branch, outcome: Outcome, at: Place) -> str:
        """The outcome, or the folder's not_found.py / error.py when it raises."""
        try:
            if self.slot_timeout is None or not self.site.may_wait(outcome):
                return await self.outcome(outcome, at)  # (no timeout stops code that never waits)
            async with asyncio.timeout(self.slot_timeout):
                return await self.outcome(outcome, at)
        except (MissingSlot, Redirect, BadRequest):
            raise
        except NotFound:
            not_found = branch.node.files.get("not_found")
            if not_found is None:
                raise
            self.status = 404
            return await self.html(not_found, self.arguments.available(branch.params, at.src))
        except Exception as exc:
            error = branch.node.files.get("error")
            if error is None:
                raise
            return await self._error(branch, error, exc, outcome, at.src)

    def outcome(self, outcome: Outcome, at: Place) -> Awaitable[str]:
        """The outcome's HTML, to await (not a coroutine itself: one frame fewer per slot)."""
        while isinstance(outcome, Branch) and not outcome.node.bounded:
            outcome = outcome.slots[CHILDREN]  # a folder with no layout, no boundary adds nothing
        if isinstance(outcome, Branch):
            return self.branch(outcome, at)
        return self.leaf(outcome, at.src)

    def leaf(self, leaf: Leaf, src: Source) -> Awaitable[str]:
        """A page's, default's or not-found page's HTML, to await (from the cache when the
        file says ``revalidate``). Not a coroutine itself: one frame fewer per slot."""
        if leaf.kind == "missing":
            raise MissingSlot(leaf.node.path or CHILDREN)
        if leaf.kind == "empty":
            return _ready("")
        if leaf.file is None:  # the root not_found.py is missing: panes's own
            return _ready(builtin_not_found())
        if self.failed is not None and leaf.file == self.failed[0]:
            failed, self.failed = self.failed[1], None
            raise failed
        file = leaf.file
        available = self.arguments.available(leaf.params, src)
        head_src = src if leaf.kind == "page" else None

        def html_of() -> Awaitable[str]:  # the render the cache may skip
            return self.html(file, available, head_src)

        spec = self.regions.specs.get(file) if self.regions is not None else None
        if spec is None:
            return html_of()
        assert self.regions is not None
        return self._cached(file, available, head_src,
                            self.regions.leaf(spec, leaf, src, html_of, self.ledger))

    def _cached(self, file: str, available: Mapping[str, Any], src: Source | None,
                cached: Awaitable[T]) -> Awaitable[T]:
        """What the cache answers for ``file`` (a cached region). Its ``metadata()`` runs
        either way: a cache hit gets the head a render gets, and a failure of it renders the
        error boundary, as when the file renders."""
        if src is None or file not in self.heads.evaluated:
            return cached  # (no function to run: no frame more)
        return self._with_head(file, available, src, cached)

    async def _with_head(self, file: str, available: Mapping[str, Any], src: Source,
                         cached: Awaitable[T]) -> T:
        task = self.evaluations.start(file, available, src)
        try:
            value = await cached
        except BaseException:
            if task is not None:
                task.cancel()
            raise
        if task is not None:
            await task
        return value

    async def html(self, file: str, available: Mapping[str, Any],
                   src: Source | None = None) -> str:
        """What a user function returned, as HTML; what cannot be is an error naming the file
        and the function. With ``src`` (a layout or a page), the file's ``metadata()`` runs at
        the same time and must succeed too: if it raises, the error boundary renders instead,
        as in Next.js."""
        task = None if src is None or file not in self.heads.evaluated \
            else self.evaluations.start(file, available, src)  # (no metadata: no call)
        try:
            result = self.arguments.invoke(self.functions[file], file, available)
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
            html = to_html(result)
        except UnrenderableValue as exc:
            exc.args = (exc.describe(file, file.rsplit("/", 1)[-1].removesuffix(".py")),)
            raise
        action = self.site.actions.get(file)
        if action is not None:  # its forms name it: a post runs this page's action()
            html = mark(html, action)
        if task is not None:
            await task
        return html

    # -- metadata ---------------------------------------------------------------------------

    async def head(self, plan: Branch, src: Source, placed: Collection[str], *,
                   wait: bool = False) -> Head | None:
        """The head of ``src``'s URL (see :meth:`panes.render.heads.Evaluations.head`)."""
        return await self.evaluations.head(plan, src, placed, self.streamed,
                                           wait=wait)

    def head_ready(self, plan: Branch, src: Source,
                   placed: Collection[str]) -> Head | None:
        """The head, if every file it needs has been evaluated; else None."""
        return self.evaluations.ready(plan, src, placed, self.streamed)

    # -- after the first flush --------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        """Whether fills are still to come after the first flush."""
        return self._unsent > 0

    @overload
    def fills(self) -> AsyncIterator[Fill]: ...

    @overload
    def fills(self, beat: float) -> AsyncIterator[Fill | None]: ...

    def fills(self, beat: float | None = None) -> AsyncIterator[Fill | None]:
        """The fills in the order they finish; the caller sets ``flushed`` once it sent one.
        With ``beat``: also ``None`` each time no fill came for that many seconds."""
        return self._fills_every(beat)  # (typed apart: without a beat, never None)

    async def _fills_every(self, beat: float | None) -> AsyncIterator[Fill | None]:
        while self._unsent:
            assert self._fills is not None  # made with the first streamed slot
            try:
                async with asyncio.timeout(beat):  # (a wait for the queue stops cleanly)
                    fill = await self._fills.get()
            except TimeoutError:
                yield None
                continue
            self._unsent -= 1
            yield fill

    def close(self) -> None:
        """Cancel the fills still running (no stream will send them)."""
        for task in self._tasks:
            task.cancel()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        if self._fills is None:
            self._fills = asyncio.Queue()
        self._unsent += 1
        assert self.work is not None  # (a renderer that streams has the response's)
        task = self.work.start(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _streamed(self, branch: Branch, outcome: Outcome, at: Place) -> None:
        flushed = asyncio.Event()
        inside = replace(at, flushed=flushed)
        target, redirect = at.region, None
        try:
            html = await self.caught(branch, outcome, inside)
        except Redirect as exc:
            html, redirect = "", within_mount(exc.url, self.request.scope)
        except Exception as exc:  # noqa: BLE001 - every failure renders somewhere in the stream
            target, html = await self._escalate(exc, at, outcome)
        if at.flushed is not None:
            await at.flushed.wait()
        assert self._fills is not None
        self._fills.put_nowait(Fill(target, html, flushed, redirect))

    async def _escalate(self, exc: Exception, at: Place, outcome: Outcome) -> tuple[str, str]:
        """A failure no boundary inside the streamed region caught: the nearest one above."""
        kind = "not_found" if isinstance(exc, NotFound) else "error"
        for branch, above in reversed(at.trail[:-1]):
            file = branch.node.files.get(kind)
            if file is None:
                continue
            try:
                if kind == "error":
                    return above, await self._error(branch, file, exc, outcome, at.src)
                available = self.arguments.available(branch.params, at.src)
                return above, await self.html(file, available)
            except Exception as again:  # noqa: BLE001 - the boundary failed: try the next one
                exc = again
        logger.error("error in %s after the response started", _describe(outcome), exc_info=exc)
        text = "This part of the page could not be loaded."
        if kind == "not_found":
            text = "This part of the page could not be found."
        details = ""
        if self.dev:
            details = f"<pre>{escape(''.join(traceback.format_exception(exc)))}</pre>"
        return at.region, f'<div role="alert">{text}</div>{details}'

    async def _error(self, branch: Branch, file: str, exc: Exception, outcome: Outcome,
                     src: Source) -> str:
        digest = secrets.token_hex(4)
        logger.error("error in %s, shown by %s (digest %s)", _describe(outcome), file, digest,
                     exc_info=exc)
        available = self.arguments.available(branch.params, src)
        available["error"] = exc if self.dev else ServerError(digest)
        return await self.html(file, available)

    # -- caching (see panes.render.caching) ----------------------------------------------------

    async def _layout(self, branch: Branch, at: Place, layout: str,
                      placeholders: Mapping[str, SlotPlaceholder],
                      context: LayoutContext) -> tuple[str, Reads]:
        """The layout's HTML (its slots still placeholders) and the segments it read: from the
        cache when the layout says ``revalidate``."""

        async def render() -> tuple[str, Reads]:
            html = await self._wrapper(layout, branch, at, placeholders, context)
            return html, dict(context.reads)

        spec = self.regions.specs.get(layout) if self.regions is not None else None
        if spec is None:
            return await render()
        assert self.regions is not None
        tokens = {key: str(p) for key, p in placeholders.items()}
        cached = self.regions.layout(spec, branch, layout, at.src, render, context.lookup,
                                     tokens, self.ledger)
        if layout not in self.heads.evaluated:
            return await cached
        available = self.arguments.available(branch.params, at.src, layout=True)
        return await self._with_head(layout, available, at.src, cached)

    async def _peek(self, outcome: Outcome, src: Source) -> str | None:
        """A streamed slot's content if the cache holds it (a page or default, through the
        folders that add nothing around it), else ``None``."""
        head = collapse(outcome)[1]
        spec = self.regions.specs.get(head.file) if isinstance(head, Leaf) and self.regions \
            else None
        if spec is None or not isinstance(head, Leaf) or head.file is None:
            return None
        assert self.regions is not None
        file = head.file
        available = self.arguments.available(head.params, src)
        found = await self.regions.peek(spec, head, src, lambda: self.html(file, available),
                                        self.ledger)
        if found is None or head.kind != "page" or file not in self.heads.evaluated:
            return found
        return await self._with_head(file, available, src, _ready(found))

    # -- helpers ----------------------------------------------------------------------------

    def may_wait(self, outcome: Outcome) -> bool:
        """Whether rendering ``outcome`` may wait (see :meth:`panes.render.site.Site.may_wait`)."""
        return self.site.may_wait(outcome)

    def _warn_unplaced(self, layout: str, branch: Branch,
                       placeholders: Mapping[str, SlotPlaceholder], html: str,
                       src: Source) -> None:
        """``panes dev``: a slot the layout declared, that has a page here, and that it left
        out (a typo in the markup, a forgotten ``modal``) is a warning naming both."""
        from panes.render.overlay import warn_unplaced

        fn = self.functions[layout]
        for key, placeholder in placeholders.items():
            declared = fn.takes_all or (CHILDREN if key == CHILDREN else slot_argument(key)) \
                in fn.wants
            if not declared or placeholder in html:
                continue
            page = _page_of(branch.slots[key])
            if page is not None:
                warn_unplaced(f"{self.app_name}/{layout}", slot_argument(key),
                              f"{self.app_name}/{page}", src.url)


    def _lookup(self, branch: Branch, at: Place) -> Callable[[str], list[str]]:
        """What ``selected_layout_segments`` reads: the plan, or what the browser keeps."""

        def lookup(key: str) -> list[str]:
            kept = self.resolution.keep.get(join(at.region, key))
            if kept is not None:
                return segments_below(kept, join(at.region, key))
            return plan_segments_below(branch.slots[key], at.src.segments)

        return lookup

    async def _fill_placeholders(self, html: str, renders: Mapping[int, Job],
                                 rids: Mapping[int, str]) -> tuple[str, str]:
        """The layout's HTML with the slots it placed rendered in, and its own HTML: the same
        with each slot's region left empty (its own HTML, as :mod:`panes.core.diff` defines it)."""
        nonce = self._nonce
        parts = _PLACEHOLDER.split(html)  # text, nonce, slot id, text, nonce, slot id, …, text
        ids = [int(parts[i + 1]) if parts[i] == nonce else -1 for i in range(1, len(parts), 3)]
        placed = [i for i in dict.fromkeys(ids) if i in renders]
        contents = dict(zip(placed, await gather(*(renders[i] for i in placed)), strict=True))
        filled, own = [parts[0]], [parts[0]]
        for n, slot_id in enumerate(ids):
            content = contents.get(slot_id)
            rid = rids.get(slot_id, "")
            if content is not None and rid in self.documents and is_document(content):
                # a root layout below the app's root (one per route group) wrote the
                # document: no markers outside <html>, its own HTML is the document's
                filled.append(content)
                own.append(self.owns.pop(rid, content))
            elif content is not None:  # in its region's markers (the region's own HTML: none)
                opening, closing = f"<!--panes:{rid}-->", f"<!--/panes:{rid}-->"
                filled += (opening, content, closing)
                own += (opening, closing)
            text = parts[3 * n + 3]
            filled.append(text)
            own.append(text)
        return "".join(filled), "".join(own)

async def _ready(html: str) -> str:
    return html


def _key(rid: str) -> str:
    """The slot key a region id ends with."""
    return rid.rpartition("/")[2]


def template_slots(fn: UserFunction, node: Node) -> frozenset[str]:
    """The slots of ``node`` that its ``template.py`` places: those its function declares
    (the layout places the others)."""
    return frozenset(key for key in (CHILDREN, *node.slots)
                     if fn.takes_all or slot_argument(key) in fn.wants)


def _page_of(outcome: Outcome) -> str | None:
    """The page a slot's outcome shows (following its children), if it shows one."""
    while isinstance(outcome, Branch):
        if CHILDREN not in outcome.slots:
            return None
        outcome = outcome.slots[CHILDREN]
    return outcome.file if outcome.kind == "page" else None


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, Leaf):
        return outcome.file or outcome.node.path
    return outcome.node.path or "."


async def gather(*jobs: Job) -> list[str]:
    """Run the jobs: those that may wait concurrently, a task each in one task group, the
    others in turn in this task (a task costs more than most pages; a function that never
    waits gains nothing from one: then no group is made at all). The first failure cancels
    the rest, and is raised as it was (not in an exception group)."""
    waits = [may_wait for _, may_wait in jobs]
    if len(jobs) < 2 or not any(waits):
        return [await job() for job, _ in jobs]
    results: list[str] = [""] * len(jobs)

    async def into(i: int, job: Callable[[], Awaitable[str]]) -> None:
        results[i] = await job()

    failure: BaseException | None = None
    try:
        async with asyncio.TaskGroup() as group:
            for i, (job, may_wait) in enumerate(jobs):
                if may_wait:
                    group.create_task(into(i, job))
            for i, (job, may_wait) in enumerate(jobs):
                if not may_wait:  # (in this task, meanwhile)
                    results[i] = await job()
    except BaseExceptionGroup as failed:
        failed.__traceback__ = None  # (its frame holds it: no cycle left behind)
        failure = failed.exceptions[0]
    if failure is not None:
        try:
            raise failure
        finally:
            failure = None
    return results
