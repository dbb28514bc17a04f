"""The ASGI application: request in → parse → resolve → render → respond.

What a request goes through, outermost first: the Starlette middleware given to ``App`` (its
``middleware=[...]``), the files of ``public/``, ``app/middleware.py``, then :meth:`App.handle`:
a ``route.py`` handler or the pages. The lifespan (``app/lifespan.py``) runs around all of it.

Three kinds of request reach a page URL: a hard load (a document), a soft navigation from the
client runtime (its ``Panes-State`` header holds what the browser shows), and a restore
(``Panes-Target`` and ``Panes-Regions``: some regions rendered again from the URLs that
activated them, for ``refresh()``, back/forward without a cache, and ``RESTORE``). What each
renders is decided by :mod:`panes.core.resolve`; this module only reads the request and writes the
response.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from panes.appdir.check import analyze
from panes.appdir.public import PublicFiles
from panes.cache import activate, build_id, create_cache, deactivate, install, uninstall
from panes.cache.region import RegionCache
from panes.core import diff, protocol
from panes.core.errors import AppDirError, BadRequest, Redirect, within_mount
from panes.core.match import Matcher
from panes.core.metadata import Head, Resolved
from panes.core.plan import Branch
from panes.core.protocol import Hard, Patch, RedirectRecord, StaleState, StateRecord
from panes.core.resolve import (
    Render,
    Resolution,
    RouteModel,
    document_layout,
    not_found_document,
    resolve_load,
    resolve_navigation,
    resolve_refresh,
    resolve_restore,
)
from panes.core.routes import not_found_plan
from panes.core.state import Entry, State, regions_under, replace_regions
from panes.http import mount
from panes.http.actions import act
from panes.http.ask import Handler, Moved, Page, Post, Refused, Runtime, read
from panes.http.compress import CompressMiddleware
from panes.http.connection import SCOPE_KEY, WORK_KEY, BodyTooLarge, Connection, Work
from panes.http.handlers import RouteHandlers
from panes.http.lifespan import Lifespan
from panes.http.limits import DEFAULT_MAX_BODY_SIZE
from panes.http.middleware import (
    UserMiddleware,
    wrap,
)
from panes.http.remembered import MEMO_BYTES, Documents, Navigations
from panes.http.wrappers import answer, not_allowed
from panes.render import client
from panes.render.caching import Regions
from panes.render.cookies import SCOPE_KEY as JAR_KEY
from panes.render.cookies import anonymous, cookie_values
from panes.render.html import (
    builtin_not_found,
    document,
    ensure_doctype,
    error_document,
    is_document,
    late_head,
    with_head,
)
from panes.render.render import Renderer
from panes.render.results import Failed, Fill, Missing, Redirected, Rendered
from panes.render.site import Site, template_slots
from panes.render.stream import NavigationStream, StreamedDocument, fill_record

logger = logging.getLogger("panes")

VARY = "Panes-State"  # a document's URL answers soft navigations too
_READS = ("GET", "HEAD")
SECRET_ENV = "PANES_SECRET"
DEV_ENV = "PANES_DEV"


_BINDING_KEY = "panes.binding"  # the request's binding, while no cookie was set

#: The state the browser sent (as a record and as the object it holds), for updates.
_Shown = protocol.Verified


class App:
    """An app directory served over ASGI.

    ``dev`` shows tracebacks in the browser; ``slot_timeout`` (seconds) makes a slot that runs
    longer render its error boundary; ``secret`` signs the navigation state (default: the
    ``PANES_SECRET`` environment variable, else a random one per process); ``max_body_size``
    bounds a request's body (bytes; a larger one is answered 413 and nothing runs; ``None``: no
    limit); ``middleware``: Starlette middleware around the whole app, the first outermost
    (sessions, CORS); ``compress``: gzip or brotli for text answers the client accepts;
    ``cache``: where regions with ``revalidate`` are kept (default: in process, or Redis when
    ``PANES_CACHE_URL`` is set; see docs/caching.md).
    """

    def __init__(self, app_dir: str | Path = "app", *, dev: bool | None = None,
                 slot_timeout: float | None = None, secret: str | bytes | None = None,
                 max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
                 middleware: Sequence[Middleware] = (), compress: bool = True,
                 cache: RegionCache | None = None) -> None:
        self.app_dir = Path(app_dir).resolve()
        # dev=None: as the command says (``panes dev`` sets PANES_DEV, also for module:app)
        self.dev = bool(os.environ.get(DEV_ENV)) if dev is None else dev
        self.slot_timeout = slot_timeout or None
        analysis = analyze(self.app_dir)
        if analysis.errors:
            raise AppDirError(analysis.errors)
        for warning in analysis.warnings:
            logger.warning("%s", warning)
        self.analysis = analysis
        self.root = analysis.root
        self.routes = analysis.routes
        self.functions = analysis.loaded.functions
        self.interceptions = analysis.interceptions
        settings = {file: fn.constants for file, fn in self.functions.items() if fn.constants}
        self.handlers = {file: RouteHandlers.from_functions(file, functions, cross_origin)
                         for file, (functions, cross_origin) in analysis.loaded.handlers.items()}
        matcher = Matcher(self.routes, self.interceptions, analysis.handlers)
        templates = {file: template_slots(self.functions[file], node)
                     for node in self.root.walk() if (file := node.files.get("template"))}
        self.model = RouteModel(matcher, not_found_plan(self.root), settings, templates)
        build = build_id(self.app_dir)
        # a state made by another deploy (other code, another runtime) is stale: a full load
        self.key = _state_key(secret, self.root, "" if self.dev else f"{build} {client.path()}")
        self._anonymous = protocol.binding({}, "", self.key)  # no cookie, no Authorization
        self._signer = protocol.Signer(self.key)  # a document's state, signed once per page
        self._no_head = Head(Resolved())  # a document with no metadata: the viewport alone
        self._warned_title = False
        self.cache = cache or create_cache()  # in process, or Redis with PANES_CACHE_URL
        self.regions = Regions(self.cache, build, self.functions)
        memo_bytes = MEMO_BYTES if self.regions.specs else 0  # nothing to remember otherwise
        self.documents = Documents(self.cache, self.key, memo_bytes)
        self.navigations = Navigations(self.cache, self._signer, memo_bytes)
        self._site = Site(self.functions, self.regions, self.slot_timeout, self.dev,
                          self.app_dir.name)
        name = self.app_dir.name
        self.lifespan = Lifespan(analysis.loaded.lifespan, self, file=f"{name}/lifespan.py")
        stack: ASGIApp = self._dispatch
        if analysis.loaded.middleware is not None:
            stack = UserMiddleware(analysis.loaded.middleware, stack, dev=self.dev,
                                   file=f"{name}/middleware.py",
                                   state_for=self.lifespan.state_for)
        self.max_body_size = max_body_size
        public = self.app_dir.parent / "public"
        if public.is_dir():
            stack = PublicFiles(public, stack, live=self.dev)
        stack = wrap(stack, middleware)
        if self.dev:  # live reload and the error overlay: nothing of it under panes start
            from panes.http.dev import DevTools

            stack = DevTools(stack, self.app_dir)
        self._stack = CompressMiddleware(stack) if compress else stack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            install(self.cache)  # revalidate_tag() from code outside any request finds it
            try:
                await self.lifespan(scope, receive, send)
            finally:
                await self.cache.close()
                uninstall(self.cache)
            return
        if scope["type"] != "http":
            await self._stack(scope, receive, send)
            return
        token = activate(self.cache)  # revalidate_tag() in this request reaches this cache
        mounted = mount.activate(scope)  # href() in this request knows the mount path
        # the one reader of ``receive`` and the one wrapper of ``send``
        connection = scope[SCOPE_KEY] = Connection(
            receive, send, limit=self.max_body_size, scope=scope, cache=self.cache)
        try:
            if connection.declares_too_large(scope):
                await connection.refuse()
            else:
                await self._stack(scope, connection.receive, connection.send)
        except BodyTooLarge:
            await connection.refuse()
        finally:
            mount.deactivate(mounted)
            deactivate(token)
            await connection.close()

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The innermost app: what :meth:`handle` answers."""
        if scope["type"] != "http":
            return
        if self.documents.max_bytes:  # the fast path: a document or soft navigation whose
            # regions are all cached
            remembered = (await self.documents.answer(scope)
                          or await self.navigations.answer(scope))
            if remembered is not None:
                await remembered(scope, receive, send)
                return
        request = Request(scope, receive)
        post = request.method == "POST"
        if post:
            # read first (bounded by max_body_size): then the request is watched for the
            # client leaving, and actions parse a body that is all there
            await request.body()
        async with Work(scope, receive) as work:  # all the response starts, ends with it
            scope[WORK_KEY] = work
            if post:
                work.watch()  # an action may wait: the client leaving cancels it
            response = await self.handle(request)
            await response(scope, receive, send)

    def state_for(self, request: Request) -> Mapping[str, Any]:
        """The ``state`` argument: what ``app/lifespan.py`` yielded."""
        return self.lifespan.state_for(request.scope)

    async def handle(self, request: Request) -> Response:
        """A request after the middleware: what it asks (:mod:`panes.http.ask`), answered."""
        match read(request, self.model.matcher):
            case Page() as page:
                return await self.page(request, page)
            case Post(src, browser):
                return await act(self, request, src, browser)
            case Handler(file, params):
                request.scope[WORK_KEY].watch()  # a handler may wait: the client leaving
                return await self.handlers[file].respond(  # cancels it
                    request, params, state=self.state_for(request), dev=self.dev)
            case Runtime(path):
                return client.response(path)
            case Moved(location):
                return RedirectResponse(location, 308)
            case Refused(405):
                return not_allowed()
            case Refused(204):
                return Response(status_code=204)
            case Refused(status, message):
                return HTMLResponse(error_document(status, message), status)
        raise AssertionError("every ask is answered")

    async def page(self, request: Request, page: Page) -> Response:
        """A page, as it is asked for: the state the browser sent read once (its signature,
        and the credentials it is bound to), what it renders resolved, then rendered."""
        binding = self._binding(request, sent=True)  # (no cookie set yet: also the answer's)
        try:
            resolution, shown = self._resolve(page, binding)
            held = None  # what a partial prefetch placed, that the click need not send again
            if page.prefetched is not None and shown is not None:
                held = self._signer.read(page.prefetched, binding).state
        except StaleState:
            return answer(Hard())
        except BadRequest as exc:
            return PlainTextResponse(f"Bad request: {exc}", 400)
        if resolution.hard:
            return answer(Hard())
        if shown is None:
            return await self.document(request, resolution, page.browser)
        if page.prefetch:
            if not self._prefetchable(resolution):
                return Response(status_code=204, headers={"cache-control": protocol.PRIVATE})
            return await self.patch(request, resolution, shown, page.browser, prefetch=True)
        if resolution.renders and resolution.renders[0].parent is None:
            return await self.refresh(request, resolution, shown, page.browser)
        return await self.patch(request, resolution, shown, page.browser, held=held)

    def _resolve(self, page: Page, binding: str) -> tuple[Resolution, _Shown | None]:
        """What the page renders, and the state the browser sent with it (if any)."""
        if page.kind == "document":
            return resolve_load(self.model, page.src), None
        shown = self._signer.read(page.state, binding)
        if page.kind == "refresh":
            return resolve_refresh(self.model, shown.state, page.src.url), shown
        if page.kind == "restore":
            target = self._signer.read(page.target, binding).state
            return resolve_restore(self.model, shown.state, target, page.regions), shown
        return resolve_navigation(self.model, shown.state, page.src.url), shown

    def _binding(self, request: Request, sent: bool = False) -> str:
        """What a state is bound to: the request's cookies as the browser will hold them
        after this response (an action's ``cookies.set`` included), or as it ``sent`` them;
        the same while nothing set a cookie, so then it is made once per request."""
        scope = request.scope
        if JAR_KEY not in scope:
            found: str | None = scope.get(_BINDING_KEY)
            if found is None:
                found = scope[_BINDING_KEY] = self._anonymous if anonymous(scope) else \
                    protocol.binding(cookie_values(request, True),
                                     request.headers.get("authorization", ""), self.key)
            return found
        return protocol.binding(cookie_values(request, sent),
                                request.headers.get("authorization", ""), self.key)

    def _decode(self, request: Request, text: str) -> _Shown:
        return self._signer.read(text, self._binding(request, sent=True))

    def _renderer(self, request: Request, resolution: Resolution, **options: Any) -> Renderer:
        return Renderer(self._site, request, resolution, state=self.state_for(request),
                        work=request.scope.get(WORK_KEY), **options)

    def _prefetchable(self, resolution: Resolution) -> bool:
        """No page of what a prefetch would render says ``PREFETCH = False``."""
        items: list[Any] = [*resolution.renders, *resolution.inner.values()]
        while items:
            item = items.pop()
            outcome = item.outcome if isinstance(item, Render) else item
            if isinstance(outcome, Branch):
                items.extend(outcome.slots.values())
            elif not self.model.setting(outcome.file, "PREFETCH", True):
                return False
        return True

    # -- documents --------------------------------------------------------------------------

    async def document(self, request: Request, resolution: Resolution,
                       browser: str | None = None, **options: Any) -> Response:
        """Render before the first byte (see :mod:`panes.render`), then stream what is left.

        ``browser``: the URL the browser shows, when a middleware rewrote it to the one the
        resolution renders (the state says both: the browser's URL, and the app's as base).
        ``options`` go to the renderer (an action's result)."""
        top = resolution.renders[0]
        async with self._renderer(request, resolution, **options) as renderer:
            result = await renderer.result(top)
            if isinstance(result, Rendered):
                return self._page(request, resolution, renderer, result, browser)
        match result:  # (the renderer is closed: what it started has stopped)
            case Redirected(url, status):
                return RedirectResponse(url, status)
            case Missing() if resolution.status == 404:
                return HTMLResponse(self._document(builtin_not_found()), 404)
            case Missing():
                return await self.document(request, not_found_document(self.model, top.src),
                                           browser, **options)
            case Failed(exc):
                if self.dev:  # short: the browser shows the whole of it
                    from panes.render.overlay import terminal

                    terminal(exc, f"error rendering {request.scope.get('path')}")
                else:
                    logger.error("error rendering %s", request.scope.get("path"), exc_info=exc)
                return HTMLResponse(
                    error_document(500, "Internal Server Error", exc if self.dev else None), 500)
        raise AssertionError(result)

    def _page(self, request: Request, resolution: Resolution, renderer: Renderer,
              rendered: Rendered, browser: str | None) -> Response:
        """The document rendered: whole, or its first part with the fills to stream."""
        top = resolution.renders[0]
        body, first_head = rendered.html, rendered.head
        status = resolution.status if renderer.status == 200 else renderer.status
        plan = top.outcome
        assert isinstance(plan, Branch)
        html = self._document(body, first_head)
        cut = html.rfind("</body>")
        head, tail = (html[:cut], html[cut:]) if cut >= 0 else (html, "")
        root = document_layout(top.outcome)  # type: ignore[arg-type]
        root_path = request.scope.get("root_path", "")
        binding = self._binding(request)

        url, base = _urls(browser, top.src.url, None)

        def state() -> str:  # after the fills: the head too may have finished by then
            final = first_head or renderer.head_ready(plan, top.src, renderer.shown)
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

    def _document(self, body: str, head: Head | None = None) -> str:
        """The root layout's document, or panes's minimal one around what has no document,
        with the head that ``metadata`` gives (only the viewport while it is still pending)."""
        head = head or self._no_head
        tags = head.tags
        if self.root.files.get("layout") or is_document(body):
            html, dropped = with_head(ensure_doctype(body), tags,
                                      replace_title=head.resolved.title is not None)
            if dropped and self.dev and not self._warned_title:
                self._warned_title = True
                logger.warning("panes: the root layout writes its own <title>; the title from "
                               "metadata replaces it (set the title with metadata instead)")
            return html
        return document(body, head=tags)

    # -- soft navigations and restores ------------------------------------------------------

    async def patch(self, request: Request, resolution: Resolution, shown: _Shown,
                    browser: str | None = None, prefetch: bool = False,
                    held: State | None = None) -> Response:
        """Render the resolution's regions; the browser gets them in one patch record, then the
        fills, then the regions placed inside the fills. A ``prefetch`` stops at loading
        boundaries: its patch is partial, and nothing streams. ``held``: the state a partial
        prefetch made, whose regions the browser holds: those that are still what they were
        (their entries, digests included, and all inside them) are not sent again."""
        async with self._renderer(request, resolution, prefetch=prefetch) as renderer:
            try:
                rendered = [self._document(html) if item.parent is None else html
                            for item, html in zip(resolution.renders,
                                                  await renderer.render_all(resolution.renders),
                                                  strict=True)]
            except Redirect as exc:
                return answer(RedirectRecord(within_mount(exc.url, request.scope)))
            except Exception as exc:
                if self.dev:
                    return self._overlay(exc, f"error rendering {resolution.url} (soft navigation)")
                logger.exception("error in a soft navigation to %s: loading it in full",
                                 resolution.url)
                return answer(Hard())
            return await self._patched(request, resolution, shown, renderer, rendered, browser,
                                       prefetch, held)

    async def _patched(self, request: Request, resolution: Resolution, shown: _Shown,
                       renderer: Renderer, rendered: list[str], browser: str | None,
                       prefetch: bool, held: State | None) -> Response:
        """The answer to a soft navigation whose regions rendered: the patch record, and the
        stream of what follows it (see :meth:`patch`)."""
        target = self.model.plan_for(resolution.url, via=resolution.base)
        binding = self._binding(request)
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
            head = await renderer.head(*target, state.regions)
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
                late = renderer.head_ready(target[0], target[1], final_state.regions)
            final = protocol.to_json(final_state, self.key, binding,
                                     late.digest if late is not None else digest)
            changed = late is not None and final.get("h") != shown_head
            return protocol.frame(StateRecord(protocol.state_update(provisional, final),
                                              late.json if changed and late else None))

        return NavigationStream(renderer, protocol.frame(first), finish)

    def _overlay(self, exc: Exception, what: str) -> Response:
        """Under ``panes dev``: the error overlay over the page, which keeps what it shows."""
        from panes.render.overlay import error_answer, overlay_html, terminal

        terminal(exc, what)
        body, headers = error_answer(overlay_html(exc))
        return Response(body, 200, media_type=protocol.MEDIA_TYPE, headers=headers)

    # -- refreshes --------------------------------------------------------------------------

    async def refresh(self, request: Request, resolution: Resolution, shown: _Shown,
                      browser: str | None = None, **options: Any) -> Response:
        """Render everything the browser shows again (see :func:`resolve_refresh`), and send
        only the regions whose HTML changed (:mod:`panes.core.diff`). It streams like a
        navigation: what is ready goes in the first record; a slot behind ``loading.py``
        keeps what the browser shows of it until its content follows as a fill (so a field
        error after an action never waits for an unrelated slow slot). ``options`` go to the
        renderer (an action's result, or its failure)."""
        async with self._renderer(request, resolution, **options) as renderer:
            result = await renderer.result(resolution.renders[0], wait=True)
            if isinstance(result, Rendered):
                return self._refreshed(request, resolution, shown, browser, renderer, result)
        match result:  # (the renderer is closed: what it started has stopped)
            case Redirected(url):
                return answer(RedirectRecord(url))
            case Missing():
                return answer(Hard())
            case Failed(exc) if self.dev:
                return self._overlay(exc, f"error rendering {resolution.url} again")
            case Failed(exc):
                logger.error("error rendering %s again", resolution.url, exc_info=exc)
                return HTMLResponse(error_document(500, "Internal Server Error"), 500)
        raise AssertionError(result)

    def _refreshed(self, request: Request, resolution: Resolution, shown: _Shown,
                   browser: str | None, renderer: Renderer, rendered: Rendered) -> Response:
        """The regions of a refresh whose HTML changed, then the fills (see :meth:`refresh`)."""
        top = resolution.renders[0]
        plan = top.outcome
        assert isinstance(plan, Branch)  # a refresh renders the document
        body, head = rendered.html, rendered.head
        html = self._document(body, head)
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
        binding = self._binding(request)

        def wire(head: Head | None) -> dict[str, Any]:
            state = replace_regions(shown.state, url, [""], renderer.shown, base)
            digest = _digest(head) if head is not None else shown.wire.get("h")
            return protocol.to_json(state, self.key, binding, digest)

        provisional = wire(head)
        changed_head = head.json if head is not None and _digest(head) != shown.wire.get("h") \
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
            late = head or renderer.head_ready(plan, top.src, renderer.shown)
            final = wire(late)
            news = late.json if head is None and late is not None \
                and final.get("h") != shown.wire.get("h") else None
            return protocol.frame(StateRecord(protocol.state_update(provisional, final), news))

        return NavigationStream(renderer, protocol.frame(first), finish, each)

    # -- form posts -------------------------------------------------------------------------

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


def _state_key(secret: str | bytes | None, root: Any, deploy: str = "") -> bytes:
    """The key that signs this app's states: the secret, bound to the app's files, so that a
    state of one app is never accepted by another that shares the secret, and to the
    ``deploy`` (its code and runtime; not under dev, whose tabs live across edits)."""
    secret = secret or os.environ.get(SECRET_ENV)
    if not secret:
        logger.warning("panes: no %s set: navigation states are valid only in this process "
                       "(set it when several processes serve the app)", SECRET_ENV)
        secret = secrets.token_hex(32)
    raw = secret.encode() if isinstance(secret, str) else secret
    files = "\n".join(sorted(f for node in root.walk() for f in node.files.values()))
    return hmac.new(raw, b"panes navigation state\x00" + f"{deploy}\x00{files}".encode(),
                    hashlib.sha256).digest()




def _urls(browser: str | None, app: str, base: str | None) -> tuple[str, str | None]:
    """The state's URL (the browser's) and base (the URL of what the app rendered below: an
    intercepted page's background, or the path a middleware rewrote the URL to), so that
    interceptions and restores resolve the app's URLs while the browser keeps its own."""
    if browser is None or browser == app:
        return app, base
    return browser, base or app


