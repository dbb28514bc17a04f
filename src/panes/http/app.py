"""The ASGI application: a request as a line, connection → ask → resolve → render → answer.

What a request goes through, outermost first: its :class:`~panes.http.connection.Connection`
(the body within the limit in, the answer out), compression, the Starlette middleware given to
``App`` (its ``middleware=[...]``), the files of ``public/``, ``app/middleware.py``, then
:meth:`App.handle`: what the request asks is read once (:mod:`panes.http.ask`), a page's state
checked once, what it renders resolved (:mod:`panes.core.resolve`), rendered
(:mod:`panes.render.render`, whose outcome is a value), and answered
(:mod:`panes.http.answers`). The lifespan (``app/lifespan.py``) runs around all of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from panes.appdir.check import analyze
from panes.appdir.public import PublicFiles
from panes.cache import activate, build_id, create_cache, deactivate, install, uninstall
from panes.cache.region import RegionCache
from panes.core import protocol
from panes.core.errors import AppDirError
from panes.core.match import Matcher
from panes.core.resolve import (
    RouteModel,
)
from panes.core.routes import not_found_plan
from panes.http import mount
from panes.http.actions import act
from panes.http.answers import Answers
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
from panes.http.pages import Pages
from panes.http.remembered import MEMO_BYTES, Documents, Navigations
from panes.http.wrappers import not_allowed
from panes.render import client
from panes.render.caching import Regions
from panes.render.html import error_document
from panes.render.site import Site, template_slots

logger = logging.getLogger("panes")

SECRET_ENV = "PANES_SECRET"
DEV_ENV = "PANES_DEV"


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
        self._signer = protocol.Signer(self.key)  # a document's state, signed once per page
        self.cache = cache or create_cache()  # in process, or Redis with PANES_CACHE_URL
        self.regions = Regions(self.cache, build, self.functions)
        memo_bytes = MEMO_BYTES if self.regions.specs else 0  # nothing to remember otherwise
        self.documents = Documents(self.cache, self.key, memo_bytes)
        self.navigations = Navigations(self.cache, self._signer, memo_bytes)
        self.answers = Answers(self._signer, self.key, "layout" in self.root.files,
                               self.documents, self.navigations, self.dev)
        self._site = Site(self.functions, self.regions, self.slot_timeout, self.dev,
                          self.app_dir.name)
        name = self.app_dir.name
        self.lifespan = Lifespan(analysis.loaded.lifespan, self, file=f"{name}/lifespan.py")
        self.pages = Pages(self.model, self._site, self.answers, self.key, self._signer,
                           self.lifespan.state_for, self.dev)
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
                connection.too_large = True
            else:
                with contextlib.suppress(BodyTooLarge):  # (answered below, whatever the app
                    await self._stack(scope, connection.receive, connection.send)  # made of it)
            if connection.too_large:
                await connection.refuse()
        finally:
            await connection.close()
            mount.deactivate(mounted)
            deactivate(token)

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
                return await self.pages(request, page)
            case Post(src, browser):
                return await act(self.pages, request, src, browser)
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
