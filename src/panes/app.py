"""The ASGI application: a request in, a matched plan rendered, a response out.

Three kinds of request reach a page URL: a hard load (a document), a soft navigation from the
client runtime (``Panes-State`` holds what the browser shows: only what changes is rendered),
and a restore (``Panes-Target`` and ``Panes-Regions``: some regions rendered again from the
URLs that activated them, for refresh(), back/forward without a cache, and ``RESTORE``).
"""

from __future__ import annotations

import inspect
import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from . import client
from .check import analyze
from .errors import AppDirError, BadRequest, NotFound, Redirect
from .html import builtin_not_found, document, ensure_doctype, error_document
from .intercept import find
from .loader import action_key
from .match import Matcher, split_path
from .navigation import (
    Patch,
    Source,
    State,
    Trail,
    collapse,
    decode,
    delta,
    diff,
    encode,
    identity,
    join,
    region_identity,
    regions_under,
    replace_regions,
    root_entry,
)
from .plan import Branch, Leaf, Outcome
from .render import Place, Renderer, gather
from .routes import not_found_plan
from .stream import NAVIGATION, NavigationStream, StreamedDocument, record
from .tree import CHILDREN

logger = logging.getLogger("panes")

MAX_QUERY_PARAMS = 1000
SECRET_ENV = "PANES_SECRET"


class App:
    """An app directory served over ASGI.

    ``dev`` shows tracebacks in the browser; ``slot_timeout`` (seconds) makes a slot that runs
    longer render its error boundary; ``secret`` signs the navigation state (default: the
    ``PANES_SECRET`` environment variable, else a random one per process).
    """

    def __init__(self, app_dir: str | Path = "app", *, dev: bool = False,
                 slot_timeout: float | None = None, secret: str | bytes | None = None) -> None:
        self.app_dir = Path(app_dir).resolve()
        self.dev = dev
        self.slot_timeout = slot_timeout
        secret = secret or os.environ.get(SECRET_ENV) or secrets.token_hex(32)
        self.secret = secret.encode() if isinstance(secret, str) else secret
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
        self.matcher = Matcher(self.routes)
        self.not_found_plan = not_found_plan(self.root)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD", "POST"):
            return _not_allowed()
        try:
            raw = _route_path(request.scope)
            if raw.startswith(client.PREFIX):
                return client.response(raw)
            segments = split_path(raw)
            query = _query(request.scope)
            if len(request.query_params.multi_items()) > MAX_QUERY_PARAMS:
                raise BadRequest("too many query parameters")
        except BadRequest as exc:
            return HTMLResponse(error_document(400, f"Bad request: {exc}"), 400)
        if len(segments) > 1 and segments[-1] == "" and "" not in segments[:-1]:
            # /settings/ is /settings, as in Next.js; the path is kept on this site and mount.
            location = quote(request.scope.get("root_path", "")) + quote(raw[:-1], safe=_SAFE)
            return RedirectResponse(location + (f"?{query}" if query else ""), 308)
        url = raw.decode("latin-1") + (f"?{query}" if query else "")
        src = Source(url, segments, query)
        if request.method == "POST":
            return await self.act(request, src)
        try:
            if "panes-target" in request.headers:
                return await self.restore(request, src)
            if "panes-state" in request.headers:
                return await self.navigate(request, src)
        except BadRequest as exc:
            return PlainTextResponse(f"Bad request: {exc}", 400)
        found = self.matcher.match(segments)
        if found is None:
            return await self.render(request, self.not_found_plan, src, status=404)
        return await self.render(request, found.plan, src)

    # -- hard loads -------------------------------------------------------------------------

    async def render(self, request: Request, plan: Branch, src: Source,
                     status: int = 200) -> Response:
        """Render before the first byte (see :mod:`panes.render`), then stream what is left."""
        renderer = self._renderer(request, src)
        try:
            body = await renderer.branch(plan, renderer.place())
        except Redirect as exc:
            renderer.close()
            return RedirectResponse(exc.url, exc.status)
        except NotFound:
            renderer.close()
            if plan is self.not_found_plan:
                return HTMLResponse(self._document(builtin_not_found()), 404)
            return await self.render(request, self.not_found_plan, src, status=404)
        except Exception as exc:
            renderer.close()
            logger.exception("error rendering %s", request.scope.get("path"))
            return HTMLResponse(
                error_document(500, "Internal Server Error", exc if self.dev else None), 500
            )
        status = status if renderer.status == 200 else renderer.status
        html = self._document(body)
        cut = html.rfind("</body>")
        head, tail = (html[:cut], html[cut:]) if cut >= 0 else (html, "")
        renderer.regions.setdefault("", root_entry(plan, src))
        root = _document_layout(plan)

        def finish() -> str:
            state = encode(State(src.url, renderer.regions, root), self.secret)
            return client.tags(state, request.scope.get("root_path", "")) + tail

        if renderer.streaming:
            response: Response = StreamedDocument(renderer, head, finish, status)
        else:
            response = HTMLResponse(head + finish(), status)
        response.headers["vary"] = "Panes-State"  # the same URL answers soft navigations too
        return response

    def _document(self, body: str) -> str:
        """The root layout's document, or panes's minimal one around what has no document."""
        start = body.lstrip()[:9].lower()
        if self.root.file("layout") or start.startswith(("<!doctype", "<html")):
            return ensure_doctype(body)
        return document(body)

    def _renderer(self, request: Request, src: Source, **options: Any) -> Renderer:
        return Renderer(self.functions, request, src, slot_timeout=self.slot_timeout,
                        dev=self.dev, **options)

    # -- form posts -------------------------------------------------------------------------

    async def act(self, request: Request, src: Source) -> Response:
        """A form posted to a page's URL runs the page's ``action()``, then sends the browser
        on (303, Post/Redirect/Get): where ``redirect()`` says, else back to the same URL."""
        found = self.matcher.match(src.segments)
        page = _children_page(found.plan) if found else None
        action = self.functions.get(action_key(page.file)) if page and page.file else None
        if page is None or action is None:
            return _not_allowed()
        if not _same_origin(request):
            return PlainTextResponse("Forbidden: a form from another site", 403)
        available = {"params": page.params.bind(src.segments), "request": request,
                     "search_params": request.query_params}
        location = src.url
        try:
            result = action.func(**action.kwargs(available))
            if inspect.isawaitable(result):
                await result
        except Redirect as exc:
            location = exc.url
        except NotFound:
            return await self.render(request, self.not_found_plan, src, status=404)
        except Exception as exc:
            logger.exception("error in the action of %s", page.file)
            return HTMLResponse(
                error_document(500, "Internal Server Error", exc if self.dev else None), 500
            )
        if "panes-state" in request.headers:  # the runtime posted it: it navigates softly
            return _answer(record({"redirect": location}))
        return RedirectResponse(location, 303)

    # -- soft navigations -------------------------------------------------------------------

    async def navigate(self, request: Request, src: Source) -> Response:
        """Render only the regions that change between what the browser shows and ``src``.

        A soft navigation is where interception happens: from the page the user is on (the
        background, which stays the reference while an intercepted page shows), to a URL that
        an interception route intercepts.
        """
        old = decode(request.headers["panes-state"], self.secret)
        resolved = self._plan_for(src.url, via=old.background)
        if resolved is None or _document_layout(resolved[0]) != old.root:
            return _hard()  # a 404, or another root layout: a full page load
        plan, src = resolved
        changes = diff(plan, src, old, self._sticky)
        renderer = self._renderer(request, src, old=old, kept=changes.kept)
        return await self._patch(renderer, changes.patches, old, src.url, plan, src.via)

    def _plan_for(self, url: str, via: str | None = None) -> tuple[Branch, Source] | None:
        """The plan for ``url`` and where its arguments come from; with ``via`` (the page the
        user is on), the interception route's plan when one intercepts ``url`` from there."""
        path, _, query = url.partition("?")
        try:
            segments = split_path(path.encode("latin-1"))
            background = split_path(via.partition("?")[0].encode("latin-1")) if via else None
        except (BadRequest, UnicodeEncodeError):
            return None
        if background is not None:
            item = find(self.interceptions, segments, background)
            if item is not None:
                return item.plan, Source(url, item.segments(segments, background), query, via)
        found = self.matcher.match(segments)
        return None if found is None else (found.plan, Source(url, segments, query))

    def _sticky(self, leaf: Leaf) -> bool:
        return leaf.file is None or self.functions[leaf.file].sticky

    async def _patch(self, renderer: Renderer, patches: tuple[Patch, ...] | list[Patch],
                     old: State, url: str, plan: Branch | None,
                     base: str | None = None) -> Response:
        """Render each patch; the browser gets them, then the fills, then the final state."""
        async def one(patch: Patch) -> str:
            if patch.region == "" and plan is not None:  # the document's own layout
                return self._document(await renderer.branch(plan, renderer.place()))
            assert patch.parent is not None
            override = renderer.overrides.get(patch.region)
            src = override[1] if override is not None else renderer.src
            at = Place(patch.region, (*patch.trail, (patch.parent, patch.region)), src)
            return await renderer.slot(patch.parent, patch.outcome, at, wrap=False)

        try:
            rendered = await gather(*(one(p) for p in patches)) if patches else []
        except Redirect as exc:
            renderer.close()
            return _answer(record({"redirect": exc.url}))
        except Exception:
            renderer.close()
            logger.exception("error in a soft navigation to %s: loading it in full", url)
            return _hard()
        regions = [p.region for p in patches]
        provisional = replace_regions(old, url, regions, renderer.regions, base)
        changes = delta(old, provisional, self.secret, url)
        first = record({"url": url, "patches": regions, **changes}, *rendered)
        if not renderer.streaming:
            return _answer(first)

        def finish() -> str:  # regions placed inside streamed content join the state
            final = replace_regions(old, url, regions, renderer.regions, base)
            return record(delta(provisional, final, self.secret))

        return NavigationStream(renderer, first, finish)

    # -- restores ---------------------------------------------------------------------------

    async def restore(self, request: Request, src: Source) -> Response:
        """Render regions again from the URLs that activated them, as the target state says."""
        current = decode(request.headers.get("panes-state", ""), self.secret)
        target = decode(request.headers["panes-target"], self.secret)
        wanted = [unquote(r) for r in request.headers.get("panes-regions", "").split(",") if r]
        patches: list[Patch] = []
        overrides: dict[str, tuple[Outcome, Source]] = {}
        for rid in wanted:
            if rid not in target.regions or not rid:
                raise BadRequest(f"no region {rid!r} in the target state")
            found = self._resolve(rid, target)
            if found is None:
                return _hard()
            parent, outcome, trail, where = found
            patches.append(Patch(rid, parent, outcome, trail))
            overrides[rid] = (outcome, where)
            for inner in regions_under(target.regions, rid):
                entry = target.regions[inner]
                if entry.url != target.regions[rid].url:
                    nested = self._resolve(inner, target)
                    if nested is not None:
                        overrides[inner] = (nested[1], nested[3])
        renderer = self._renderer(request, src, overrides=overrides)
        return await self._patch(renderer, patches, current, current.url, None, current.base)

    def _resolve(self, rid: str, target: State) -> tuple[Branch, Outcome, Trail, Source] | None:
        """The outcome at region ``rid`` for the URL that activated it (through the same
        interception, if one did), if it is still what the target state says: the same
        identity, inside the same layouts."""
        entry = target.regions[rid]
        resolved = self._plan_for(entry.url, entry.via)
        if resolved is None:
            return None
        branch, where = resolved
        trail: Trail = ()
        keys = rid.split("/")
        prefix = ""
        for key in keys[:-1]:
            prefix = join(prefix, key)
            step = branch.slots.get(key)
            head = None if step is None else collapse(step)[1]
            above = target.regions.get(prefix)
            if not isinstance(head, Branch) or above is None \
                    or above.key != identity(head, where):
                return None
            trail = (*trail, (branch, prefix))
            branch = head
        outcome = branch.slots.get(keys[-1])
        if outcome is None or region_identity(outcome, where) != entry.key:
            return None
        return branch, outcome, trail, where


def _children_page(plan: Branch) -> Leaf | None:
    """The page at the end of the children chain: the one whose URL a form posts to."""
    outcome: Outcome = plan
    while isinstance(outcome, Branch):
        outcome = outcome.slots[CHILDREN]
    return outcome if outcome.kind == "page" else None


def _same_origin(request: Request) -> bool:
    """Browsers say where a form comes from; refuse one posted from another site."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return False
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def _not_allowed() -> Response:
    return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})


def _document_layout(plan: Branch) -> str | None:
    """The layout that renders the document: the first one down the children chain."""
    outcome: Outcome = plan
    while isinstance(outcome, Branch):
        layout = outcome.node.file("layout")
        if layout is not None:
            return layout
        outcome = outcome.slots[CHILDREN]
    return None


def _answer(body: str) -> Response:
    return Response(body, 200, media_type=NAVIGATION, headers={"cache-control": "no-store"})


def _hard() -> Response:
    return _answer(record({"hard": True}))


_SAFE = "/%:@!$&'()*+,;=-._~"


def _query(scope: Scope) -> str:
    try:
        query: str = scope.get("query_string", b"").decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the query string is not valid UTF-8") from None
    return query


def _route_path(scope: Scope) -> bytes:
    """The raw path below the mount point, still percent-encoded."""
    raw: bytes = scope.get("raw_path") or quote(scope["path"]).encode()
    raw = raw.split(b"?", 1)[0]
    root = scope.get("root_path", "")
    if root:
        prefix = quote(root).encode()
        if raw.startswith(prefix):
            raw = raw[len(prefix):] or b"/"
        else:
            raw = quote(scope["path"][len(root):] or "/").encode()
    return raw


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

