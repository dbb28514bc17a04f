"""Writing the answer to a page that rendered: the document (whole, or its first part and
the fills to stream), a soft navigation's records, a refresh's changed regions, with the
navigation state each leaves the browser with, signed for the requester.

The App resolves and renders; :class:`Answers` turns (what was asked, what rendered) into the
response, and never calls back into the App.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from panes.core import diff, protocol
from panes.core.metadata import Head, Resolved
from panes.core.plan import Branch
from panes.core.protocol import Patch, StateRecord
from panes.core.resolve import Resolution, document_layout
from panes.core.state import Entry, Source, State, regions_under, replace_regions
from panes.http.remembered import Documents, Navigations
from panes.http.wrappers import answer
from panes.render import client
from panes.render.html import (
    document,
    ensure_doctype,
    error_document,
    is_document,
    late_head,
    with_head,
)
from panes.render.render import Renderer
from panes.render.results import Fill, Rendered
from panes.render.stream import NavigationStream, StreamedDocument, fill_record

logger = logging.getLogger("panes")

VARY = "Panes-State"  # a document's URL answers soft navigations too
_READS = ("GET", "HEAD")

#: The state the browser sent (as a record and as the object it holds), for updates.
Shown = protocol.Verified


class Answers:
    """The writer of one app's answers: what it signs states with, and the answers it
    remembers (see :mod:`panes.http.remembered`)."""

    def __init__(self, signer: protocol.Signer, key: bytes, root_layout: bool,
                 documents: Documents, navigations: Navigations, dev: bool) -> None:
        self._signer = signer
        self.key = key
        self.root_layout = root_layout  # the app has a root layout: it writes the document
        self.documents = documents
        self.navigations = navigations
        self.dev = dev
        self._no_head = Head(Resolved())  # a document with no metadata: the viewport alone
        self._warned_title = False

    def document(self, request: Request, resolution: Resolution, renderer: Renderer,
                 rendered: Rendered, browser: str | None, binding: str) -> Response:
        """The document rendered: whole, or its first part with the fills to stream."""
        top = resolution.renders[0]
        body, first_head = rendered.html, rendered.head
        status = resolution.status if renderer.status == 200 else renderer.status
        plan = top.outcome
        assert isinstance(plan, Branch)
        html = self.html(body, first_head)
        cut = html.rfind("</body>")
        head, tail = (html[:cut], html[cut:]) if cut >= 0 else (html, "")
        root = document_layout(top.outcome)  # type: ignore[arg-type]
        root_path = request.scope.get("root_path", "")
        
        url, base = _urls(browser, top.src.url, None)

        def state() -> str:  # after the fills: the head too may have finished by then
            final = first_head or renderer.calls.ready(plan, top.src, renderer.shown)
            late = "" if first_head is not None or final is None else late_head(
                final.tags, protocol.dumps(final.json))
            return late + client.state_tag(self._signer.encode(
                State(url, renderer.shown, root, base), binding, _digest(final)))

        if renderer.streaming:
            streamed = StreamedDocument(renderer, head + client.runtime_tag(root_path, False),
                                        lambda: state() + tail, status)
            streamed.headers["vary"] = VARY
            return streamed
        page = "".join((head, state(), client.runtime_tag(root_path), tail))
        response = HTMLResponse(page, status, headers={"vary": VARY})
        ledger = renderer.ledger  # every region from the cache, nothing run: the same for all
        if not (ledger.complete and ledger.epoch is not None and request.method in _READS):
            response.headers["cache-control"] = protocol.PRIVATE  # made for this request
        if status == 200 and url == top.src.url:
            self.documents.remember(request.scope, head, tail, url, renderer.shown,
                                            root, renderer.ledger)
        return response

    def html(self, body: str, head: Head | None = None) -> str:
        """The root layout's document, or panes's minimal one around what has no document,
        with the head that ``metadata`` gives (only the viewport while it is still pending)."""
        head = head or self._no_head
        tags = head.tags
        if self.root_layout or is_document(body):
            html, dropped = with_head(ensure_doctype(body), tags,
                                      replace_title=head.resolved.title is not None)
            if dropped and self.dev and not self._warned_title:
                self._warned_title = True
                logger.warning("panes: the root layout writes its own <title>; the title from "
                               "metadata replaces it (set the title with metadata instead)")
            return html
        return document(body, head=tags)

    async def patch(self, request: Request, resolution: Resolution, shown: Shown,
                    renderer: Renderer, rendered: list[str], browser: str | None,
                    prefetch: bool, held: State | None, target: tuple[Branch, Source] | None,
                    binding: str) -> Response:
        """The answer to a soft navigation whose regions rendered: the patch record, and the
        stream of what follows it (see :meth:`panes.http.app.App.patch`)."""
        regions = [r.region for r in resolution.renders]
        if held is not None:
            sent = [i for i, rid in enumerate(regions) if not _holds(held, renderer.shown, rid)]
            regions, rendered = [regions[i] for i in sent], [rendered[i] for i in sent]
        replaced = resolution.replaced()
        url, base = _urls(browser if resolution.push else None, resolution.url, resolution.base)

        def new_state() -> State:  # (made again at the end of a stream: fills add regions)
            return replace_regions(shown.state, url, replaced, renderer.shown, base)

        state = new_state()
        shown_head = shown.wire.get("h")
        head = None
        if target is not None:  # the head follows: sent when it changed
            head = await renderer.calls.head(*target, state.regions)
        digest = head.digest if head is not None else shown_head
        provisional = protocol.to_json(state, self.key, binding, digest)
        first = Patch(tuple(regions), tuple(rendered),
                      protocol.state_update(shown.wire, provisional), resolution.push,
                      head.json if head is not None and digest != shown_head else None,
                      partial=prefetch and bool(renderer.streamed))
        if not renderer.streaming:
            self.navigations.remember(request.scope, shown, prefetch, first, state, digest,
                                      renderer.ledger)
            return answer(first)

        def finish() -> str:  # regions placed inside streamed content join the state
            late, final_state = None, new_state()
            if target is not None and head is None:  # metadata behind a loading boundary
                late = renderer.calls.ready(target[0], target[1], final_state.regions)
            final = protocol.to_json(final_state, self.key, binding,
                                     late.digest if late is not None else digest)
            changed = late is not None and final.get("h") != shown_head
            return protocol.frame(StateRecord(protocol.state_update(provisional, final),
                                              late.json if changed and late else None))

        return NavigationStream(renderer, protocol.frame(first), finish)

    def refresh(self, request: Request, resolution: Resolution, shown: Shown,
                browser: str | None, renderer: Renderer, rendered: Rendered,
                binding: str) -> Response:
        """The regions of a refresh whose HTML changed, then the fills (see
        :meth:`panes.http.app.App.refresh`)."""
        top = resolution.renders[0]
        plan = top.outcome
        assert isinstance(plan, Branch)  # a refresh renders the document
        body, head = rendered.html, rendered.head
        html = self.html(body, head)
        if renderer.failed is not None and not renderer.streaming:
            raised = renderer.failed[1]  # the failed page is not on this page: no boundary
            logger.error("error in an action, not shown on the page", exc_info=raised)
            return HTMLResponse(
                error_document(500, "Internal Server Error", raised if self.dev else None), 500)
        before = shown.state.regions
        new: dict[str, str | None] = {rid: entry.digest for rid, entry in renderer.shown.items()
                                      if entry.digest}
        kept = diff.waiting(renderer.streamed, before, renderer.shown)
        new.update(kept)
        regions, parts = diff.changes(html, new, {rid: e.digest for rid, e in before.items()})
        url, base = _urls(browser if resolution.push else None, resolution.url, resolution.base)
        
        def wire(head: Head | None) -> dict[str, Any]:
            state = replace_regions(shown.state, url, [""], renderer.shown, base)
            digest = head.digest if head is not None else shown.wire.get("h")
            return protocol.to_json(state, self.key, binding, digest)

        provisional = wire(head)
        changed_head = head.json if head is not None and head.digest != shown.wire.get("h") \
            else None
        first = Patch(tuple(regions), tuple(parts), protocol.state_update(shown.wire, provisional),
                      resolution.push, changed_head)
        if not renderer.streaming:
            return answer(first)
        each = _refill(renderer, before, set(kept))

        def finish() -> str:
            if renderer.failed is not None:
                logger.error("error in an action, not shown on the page",
                             exc_info=renderer.failed[1])
            late = head or renderer.calls.ready(plan, top.src, renderer.shown)
            final = wire(late)
            news = late.json if head is None and late is not None \
                and final.get("h") != shown.wire.get("h") else None
            return protocol.frame(StateRecord(protocol.state_update(provisional, final), news))

        return NavigationStream(renderer, protocol.frame(first), finish, each)

    def overlay(self, exc: Exception, what: str) -> Response:
        """Under ``panes dev``: the error overlay over the page, which keeps what it shows."""
        from panes.render.overlay import error_answer, overlay_html, terminal

        terminal(exc, what)
        body, headers = error_answer(overlay_html(exc))
        return Response(body, 200, media_type=protocol.MEDIA_TYPE, headers=headers)


def _holds(held: State, shown: Mapping[str, Entry], rid: str) -> bool:
    """Whether the browser holds region ``rid`` as it is rendered now, from a prefetch: its
    entry and the entry of every region inside it are the same (a streamed one's content is
    to come: its fill is sent either way)."""
    return all(held.regions.get(r) == shown[r] for r in (rid, *regions_under(shown, rid)))


def _digest(head: Head | None) -> str | None:
    return None if head is None else head.digest


def _refill(renderer: Renderer, before: Mapping[str, Any], keeping: set[str]
            ) -> Callable[[Fill], str]:
    """A refresh's records for each fill: a region the browser keeps until its fill (in
    ``keeping``) gets only what changed in it; the others are replaced as they come."""

    def each(fill: Fill) -> str:
        if fill.redirect is not None or fill.target not in keeping:
            for rid, digest in diff.digests(fill.html, fill.target).items():
                if rid in renderer.shown and (rid == fill.target
                                              or rid not in renderer.streamed):
                    renderer.shown[rid] = renderer.shown[rid].with_digest(digest)
            return fill_record(fill)
        swaps, html, digests, inside = diff.fill_changes(
            fill.html, fill.target, renderer.streamed, before, renderer.shown)
        keeping.update(inside)
        for rid, digest in digests.items():
            if rid in renderer.shown:
                renderer.shown[rid] = renderer.shown[rid].with_digest(digest)
        return "".join(protocol.frame(protocol.Fill(rid, part))
                       for rid, part in zip(swaps, html, strict=True))

    return each


def _urls(browser: str | None, app: str, base: str | None) -> tuple[str, str | None]:
    """The state's URL (the browser's) and base (the URL of what the app rendered below: an
    intercepted page's background, or the path a middleware rewrote the URL to), so that
    interceptions and restores resolve the app's URLs while the browser keeps its own."""
    if browser is None or browser == app:
        return app, base
    return browser, base or app
