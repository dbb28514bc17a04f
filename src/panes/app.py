"""The ASGI application: a request in, a matched plan rendered, a response out."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from .check import analyze
from .errors import AppDirError, BadRequest, NotFound, Redirect
from .html import builtin_not_found, document, ensure_doctype, error_document
from .match import Matcher, split_path
from .plan import Branch
from .render import Renderer
from .routes import not_found_plan
from .stream import StreamedDocument

logger = logging.getLogger("panes")

MAX_QUERY_PARAMS = 1000


class App:
    """An app directory served over ASGI. ``dev`` shows tracebacks in the browser."""

    def __init__(self, app_dir: str | Path = "app", *, dev: bool = False,
                 slot_timeout: float | None = None) -> None:
        self.app_dir = Path(app_dir).resolve()
        self.dev = dev
        self.slot_timeout = slot_timeout
        analysis = analyze(self.app_dir)
        if analysis.errors:
            raise AppDirError(analysis.errors)
        for warning in analysis.warnings:
            logger.warning("%s", warning)
        self.analysis = analysis
        self.root = analysis.root
        self.routes = analysis.routes
        self.functions = analysis.loaded.functions
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
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        try:
            raw = _route_path(request.scope)
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
        found = self.matcher.match(segments)
        if found is None:
            return await self.render(request, self.not_found_plan, segments, status=404)
        return await self.render(request, found.plan, found.segments)

    async def render(self, request: Request, plan: Branch, segments: tuple[str, ...],
                     status: int = 200) -> Response:
        """Render before the first byte (see :mod:`panes.render`), then stream what is left."""
        renderer = Renderer(self.functions, request, segments, slot_timeout=self.slot_timeout,
                            dev=self.dev)
        try:
            body = await renderer.branch(plan)
        except Redirect as exc:
            renderer.close()
            return RedirectResponse(exc.url, exc.status)
        except NotFound:
            renderer.close()
            if plan is self.not_found_plan:
                return HTMLResponse(self._document(builtin_not_found()), 404)
            return await self.render(request, self.not_found_plan, segments, status=404)
        except Exception as exc:
            renderer.close()
            logger.exception("error rendering %s", request.scope.get("path"))
            return HTMLResponse(
                error_document(500, "Internal Server Error", exc if self.dev else None), 500
            )
        status = status if renderer.status == 200 else renderer.status
        html = self._document(body)
        if renderer.streaming:
            return StreamedDocument(renderer, html, status)
        return HTMLResponse(html, status)

    def _document(self, body: str) -> str:
        return ensure_doctype(body) if self.root.file("layout") else document(body)


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
