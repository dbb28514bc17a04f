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
import re
import secrets
from collections.abc import Awaitable, Collection, Mapping
from dataclasses import dataclass, replace
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from starlette.requests import Request

from panes.core.diff import KEEP
from panes.core.errors import BadRequest, MissingSlot, NotFound, Redirect, within_mount
from panes.core.plan import Branch, Leaf, Outcome
from panes.core.resolve import (
    Render,
    Resolution,
    document_regions,
    template_entry,
    template_region,
)
from panes.core.state import Entry, Source, Trail
from panes.core.tree import CHILDREN
from panes.render.calls import Calls, already
from panes.render.context import LayoutContext, lookup
from panes.render.html import builtin_not_found, is_document
from panes.render.results import (
    Failed,
    Fill,
    Fills,
    Job,
    Missing,
    Parts,
    Redirected,
    Rendered,
    Result,
    gather,
)
from panes.render.site import Site, template_slots

if TYPE_CHECKING:  # the response's task group, handed in by the App
    from panes.http.connection import Work


#: Slot placeholders carry a per-request nonce, so no text a user wrote can forge one.
_PLACEHOLDER = re.compile("\ue000([0-9a-f]{12}):(\\d+)\ue001")


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
        self.regions = site.regions
        self.slot_timeout = site.slot_timeout
        self.dev = site.dev
        self.request = request
        #: how each file renders: its arguments, the call, the cache, its metadata()
        self.calls = Calls(site, request, state, action_result, work)
        self.ledger = self.calls.ledger  # whether every region came fresh from the cache
        self.resolution = resolution
        self.stream = stream
        self.status = 200
        self.shown: dict[str, Entry] = {}
        # after an action, the page whose action raised raises it again where it renders, so
        # its error boundary shows it
        self.failed = failed
        # a prefetch renders loading boundaries' UI and stops there: nothing below runs
        self.prefetch = prefetch
        self.streamed = self.calls.streamed  # regions whose content comes later (or on click)
        #: the regions that may hold the whole document (see :func:`document_regions`)
        self.documents: frozenset[str] = frozenset()
        #: each region's own HTML (the regions inside it emptied), left by the branch that
        #: rendered it, taken by the slot that holds it
        self.owns: dict[str, str] = {}
        #: the regions rendered before the first flush, with their own HTML: their digests
        #: are computed together once the render is done (see :meth:`_digest`)
        self.owned: list[tuple[str, str]] = []
        self.handed = False  # whether a stream sends the fills (see :meth:`result`)
        self._nonce = secrets.token_hex(6)
        self._next_id = 0
        self._work = work  # the response's task group: where fills run
        self._fills: Fills | None = None  # made with the first slot that streams

    async def __aenter__(self) -> Renderer:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        """Leaving the renderer stops its fills, unless a stream sends them (they end with the
        response then, in its :class:`~panes.http.connection.Work`)."""
        if self._fills is not None and self._fills.running \
                and (kind is not None or not self.handed):
            self._fills.close()

    async def result(self, item: Render, wait: bool = False) -> Result:
        """The document and its head (once every file it needs has been evaluated, or, to
        ``wait``, the head it comes to), or what stopped it, as a value: a redirect, not
        found, or the failure no boundary caught."""
        plan = item.outcome
        assert isinstance(plan, Branch)  # the document is a whole plan
        try:
            html = await self.render(item)
            self._digest()
            if wait:
                found = await self.calls.head(plan, item.src, self.shown)
            else:
                found = self.calls.ready(plan, item.src, self.shown)
        except Redirect as exc:
            return Redirected(within_mount(exc.url, self.request.scope), exc.status)
        except NotFound:
            return Missing()
        except Exception as exc:  # noqa: BLE001 - the caller shows it (a 500, an overlay)
            return Failed(exc)
        self.handed = self.streaming  # the fills go on, in the stream that sends them
        return Rendered(html, found)

    async def render_all(self, items: Collection[Render]) -> Parts | Redirected | Missing | Failed:
        """The regions of a soft navigation, side by side (those that may wait concurrently),
        or what stopped them, as a value (see :meth:`result`)."""
        try:
            if len(items) == 1:  # (most navigations: one region, nothing to run beside it)
                rendered = [await self.render(next(iter(items)))]
            else:
                rendered = await gather(*((partial(self.render, r), self.site.may_wait(
                    r.outcome)) for r in items))
        except Redirect as exc:
            return Redirected(within_mount(exc.url, self.request.scope), exc.status)
        except NotFound:
            return Missing()
        except Exception as exc:  # noqa: BLE001 - the caller shows it (a full load, an overlay)
            return Failed(exc)
        self._digest()
        self.handed = self.streaming
        return Parts(tuple(rendered))

    def _digest(self) -> None:
        """Every region rendered before the first flush gets the digest of its own HTML (see
        :mod:`panes.core.diff`), all at once: no scan of the page for its regions afterwards."""
        owned = [(rid, own) for rid, own in self.owned if rid in self.shown and own != KEEP]
        self.owned.clear()
        for (rid, _), entry in zip(owned, self.site.with_digests(
                [self.shown[rid] for rid, _ in owned], [own for _, own in owned]), strict=True):
            self.shown[rid] = entry

    async def render(self, item: Render) -> str:
        """One region of the resolution; the document (``""``) is the whole plan's HTML."""
        if item.template:
            assert isinstance(item.outcome, Branch)  # the branch whose template it is
            at = Place(item.region.rpartition("/")[0], item.trail, item.src)
            jobs = self._slot_jobs(item.outcome, at)
            context = LayoutContext(
                item.outcome, lookup(self.resolution.keep, item.outcome, at.region, at.src))
            return await self._template(item.outcome, at, context, item.wraps, *jobs)
        if item.parent is None:
            assert isinstance(item.outcome, Branch)  # the document is a whole plan
            self.documents = document_regions(item.outcome)
            html = await self.branch(item.outcome, Place("", (), item.src))
            self.shown.setdefault("", self.site.entry(item.outcome, item.src, root=True))
            # the document's own digest is of the root layout's own HTML, without the head's
            # tags: those follow navigation on their own
            self.owned.append(("", self.owns.pop("", html)))
            return html
        at = Place(item.region, (*item.trail, (item.parent, item.region)), item.src)
        return await self.slot(item.parent, item.outcome, at)

    # -- the tree ---------------------------------------------------------------------------

    async def branch(self, branch: Branch, at: Place) -> str:
        """A folder's layout around the slots it placed (``at`` is the branch's own place).
        A ``template.py`` is a region of its own inside the layout, around the slots it
        declares: the layout gets it as ``children``."""
        renders, rids, placeholders = self._slot_jobs(branch, at)
        context = LayoutContext(branch, lookup(self.resolution.keep, branch, at.region, at.src))
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
            html, reads = await self.calls.layout(branch, at.src, layout, placeholders, context)
            context.reads.update(reads)
            if self.dev:
                from panes.render.overlay import warn_unplaced_slots

                warn_unplaced_slots(self.functions[layout], self.site.app_name, layout, branch,
                                    placeholders, html, at.src.url)
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
        for key, rid, may_wait in self.site.slots(branch, at.region):
            slot_id = self._slot_id()
            placeholders[key] = self._placeholder(slot_id)
            outcome, src = branch.slots[key], at.src
            inner = self.resolution.inner.get(rid)
            if inner is not None:
                outcome, src = inner.outcome, inner.src
                may_wait = self.site.may_wait(outcome)
            rids[slot_id] = rid
            renders[slot_id] = (partial(self.slot, branch, outcome, at.slot(branch, rid, src)),
                                may_wait)
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
        html = await self.calls.wrapped(file, branch.params, at.src,
                                        {k: placeholders[k] for k in wraps}, context)
        html, own = await self._fill_placeholders(
            html, {i: job for i, job in renders.items() if _key(rids[i]) in wraps}, rids)
        if at.flushed is None:  # (inside streamed content: its digest is unknown, as theirs)
            self.owned.append((rid, own))
        return html

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
            cached = await self.calls.peek(outcome, at.src)  # cached content: no loading UI
        if cached is not None:
            html = cached
        elif loading is not None and (self.stream or self.prefetch):
            html = await self.calls.html(loading, self.calls.available(branch.params, at.src))
            self.streamed.add(at.region)
            if not self.prefetch:
                self.fills.start(self._streamed(branch, outcome, at))
        else:
            html = await self.caught(branch, outcome, at)
        if at.region not in self.streamed and at.flushed is None:  # sent in the first flush
            own = self.owns.pop(at.region, html)
            if at.region in self.documents and is_document(html):
                self.owns[at.region] = own  # the document's own HTML: the fill above takes it
            else:
                self.owned.append((at.region, own))
        return html

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
            return await self.calls.html(not_found, self.calls.available(branch.params, at.src))
        except Exception as exc:
            error = branch.node.files.get("error")
            if error is None:
                raise
            return await self.calls.error(branch, error, exc, outcome, at.src)

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
            return already("")
        if leaf.file is None:  # the root not_found.py is missing: panes's own
            return already(builtin_not_found())
        if self.failed is not None and leaf.file == self.failed[0]:
            failed, self.failed = self.failed[1], None
            raise failed
        return self.calls.leaf(leaf, leaf.file, src)

    # -- after the first flush --------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        """Whether fills are still to come after the first flush."""
        return self._fills is not None and self._fills.streaming

    @property
    def fills(self) -> Fills:
        """What comes after the first flush, in the order it finishes."""
        if self._fills is None:
            self._fills = Fills(self._work)
        return self._fills

    async def _streamed(self, branch: Branch, outcome: Outcome, at: Place) -> None:
        flushed = asyncio.Event()
        inside = replace(at, flushed=flushed)
        target, redirect = at.region, None
        try:
            html = await self.caught(branch, outcome, inside)
        except Redirect as exc:
            html, redirect = "", within_mount(exc.url, self.request.scope)
        except Exception as exc:  # noqa: BLE001 - every failure renders somewhere in the stream
            target, html = await self.calls.escalate(exc, at.trail, at.region, outcome, at.src)
        if at.flushed is not None:
            await at.flushed.wait()
        self.fills.put(Fill(target, html, flushed, redirect))

    # -- helpers ----------------------------------------------------------------------------

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

def _key(rid: str) -> str:
    """The slot key a region id ends with."""
    return rid.rpartition("/")[2]
