"""``route.py``: route handlers, a function per HTTP method instead of a page.

::

    # app/api/messages/[id]/route.py
    async def get(params, state):
        return await state["store"].message(params["id"])   # a dict: JSON

    async def delete(params, cookies):
        ...
        return None                                            # 204

A handler's return value becomes the response: a Starlette ``Response`` as it is; a ``dict`` or
``list`` JSON (orjson when installed); ``str`` text; ``bytes`` ``application/octet-stream``;
``None`` 204. ``HEAD`` is answered from ``get`` (without the body) and ``OPTIONS`` lists the
methods (204, ``Allow``) unless the file defines them; any other method is 405 with ``Allow``.

``panes.redirect()`` is 307 (308 with ``permanent=True``), ``panes.not_found()`` 404, a
Starlette ``HTTPException`` its status. A body that is not valid JSON (``await
request.json()`` raising, or ``json.loads`` of the request's body) is 400, and so is a
malformed multipart form; any other exception is 500, logged with a digest, with the
traceback in the answer only under ``panes dev``.
"""

from __future__ import annotations

import inspect
import json
import logging
import secrets
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import Message, Receive, Scope, Send

from panes.appdir.signatures import names
from panes.appdir.specials import ROUTE_ARGUMENTS
from panes.core.errors import NotFound, Redirect, within_mount
from panes.core.kinds import METHODS
from panes.http.mount import pathname_of
from panes.http.origin import forged
from panes.render.cookies import cookies_for

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; json is the fallback
    orjson = None  # type: ignore[assignment]

__all__ = ["JSONResponse", "RouteHandlers", "json_bytes"]

logger = logging.getLogger("panes")



def json_bytes(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON: orjson (dataclasses, datetimes, UUIDs, numpy; keys that
    are not strings are converted), else the standard library."""
    if orjson is not None:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode()


class JSONResponse(Response):
    """Starlette's JSONResponse, rendered by :func:`json_bytes`."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


@dataclass(frozen=True, slots=True)
class Handler:
    file: str
    method: str
    func: Callable[..., Any]
    wants: frozenset[str]
    takes_all: bool = False


@dataclass(frozen=True, slots=True)
class RouteHandlers:
    """The method functions of one ``route.py`` (keyed by lowercase method name)."""

    file: str
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    #: ``CROSS_ORIGIN = True`` in the file: unsafe methods run for other sites' requests too
    cross_origin: bool = False

    @property
    def allow(self) -> str:
        """The ``Allow`` header: the methods defined, with HEAD (from get) and OPTIONS."""
        names = set(self.handlers)
        if "get" in names:
            names.add("head")
        names.add("options")
        return ", ".join(m.upper() for m in METHODS if m in names)

    @classmethod
    def from_functions(cls, file: str, functions: Mapping[str, Callable[..., Any]],
                       cross_origin: bool = False) -> RouteHandlers:
        """Handlers from functions by method name (signatures not checked: see
        :func:`panes.appdir.specials.load_route`)."""
        handlers = {}
        for method, func in functions.items():
            found = names(func, ROUTE_ARGUMENTS)
            handlers[method.lower()] = Handler(file, method.lower(), func, found.wants,
                                               found.takes_all)
        return cls(file, handlers, cross_origin)

    async def respond(self, request: Request, params: Mapping[str, Any] | None = None, *,
                      state: Mapping[str, Any] | None = None, dev: bool = False) -> Response:
        """The response to ``request`` (its method picks the handler)."""
        method = request.method.lower()
        handler = self.handlers.get(method)
        if handler is None:
            if method == "head" and "get" in self.handlers:
                handler = self.handlers["get"]
            elif method == "options":
                return Response(status_code=204, headers={"Allow": self.allow})
            else:
                return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": self.allow})
        if not self.cross_origin and forged(request):
            return PlainTextResponse(
                f"Forbidden: a {request.method} with cookies from another site (set "
                f"CROSS_ORIGIN = True in {self.file} to accept it)", 403)
        request = RouteRequest.of(request)
        cookies = cookies_for(request)
        available = {"request": request, "params": dict(params or {}),
                     "search_params": request.query_params, "cookies": cookies,
                     "state": state if state is not None else {},
                     "pathname": pathname_of(request.scope)}
        kwargs = available if handler.takes_all else {
            name: available[name] for name in handler.wants}
        try:
            result = handler.func(**kwargs)
            if inspect.isawaitable(result):
                result = await result
            response = to_response(result, handler)
        except Redirect as exc:
            response = RedirectResponse(within_mount(exc.url, request.scope), exc.status)
        except NotFound:
            response = PlainTextResponse("Not Found", 404)
        except HTTPException as exc:
            response = _http_exception(exc)
        except MultiPartException as exc:
            response = PlainTextResponse(f"Bad Request: {exc.message}", 400)
        except ClientDisconnect:
            response = PlainTextResponse("Bad Request: the client went away", 400)
        except Exception as exc:  # noqa: BLE001 - user code: any error is answered
            if _bad_json_body(exc, request):
                response = PlainTextResponse(f"Bad Request: the body is not valid JSON ({exc})",
                                             400)
            else:
                response = _server_error(exc, handler, request, dev)
        cookies.apply(response)
        if request.method == "HEAD":
            return _Headless(response)
        return response


class RouteRequest(Request):
    """The request a route handler gets: ``await request.json()`` reads a body sent as JSON
    (``application/json``, or ``application/…+json``) and answers 415 for any other, so that a
    form or a ``text/plain`` body that another site can send without asking (no CORS preflight)
    is never taken for JSON (FastAPI's CVE-2021-32677); JSON nested too deeply to parse is 400."""

    @classmethod
    def of(cls, request: Request) -> RouteRequest:
        """``request`` as a route handler's, with what it has read so far (its body)."""
        routed = cls.__new__(cls)
        routed.__dict__.update(request.__dict__)
        return routed

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            kind, _, _ = self.headers.get("content-type", "").partition(";")
            main, _, sub = kind.strip().lower().partition("/")
            if main != "application" or not (sub == "json" or sub.endswith("+json")):
                raise HTTPException(415, "Unsupported Media Type: send the body as JSON, with "
                                         "Content-Type: application/json")
            body = await self.body()
            try:
                self._json = json.loads(body)
            except RecursionError:
                raise ValueError("the JSON is nested too deeply") from None
        return self._json


def to_response(result: Any, handler: Handler | None = None) -> Response:
    """What a handler returned, as a response."""
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204)
    if isinstance(result, dict | list):
        return JSONResponse(result)
    if isinstance(result, str):
        return PlainTextResponse(result)
    if isinstance(result, bytes | bytearray | memoryview):
        return Response(bytes(result), media_type="application/octet-stream")
    where = f"{handler.method}() in {handler.file}" if handler else "a route handler"
    raise TypeError(f"{where} returned {type(result).__name__}: return a Response, a dict or "
                    "list (JSON), a str (text), bytes, or None (204)")


class _Headless(Response):
    """The response to HEAD: the headers of ``inner`` (Content-Length included), no body."""

    def __init__(self, inner: Response) -> None:
        self.inner = inner
        self.status_code = inner.status_code
        self.raw_headers = inner.raw_headers
        self.background = inner.background

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        done = False

        async def headless(message: Message) -> None:
            nonlocal done
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] in ("http.response.body", "http.response.pathsend") \
                    and not done:
                done = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            elif message["type"] not in ("http.response.body", "http.response.pathsend"):
                await send(message)

        await self.inner(scope, receive, headless)


def _http_exception(exc: HTTPException) -> Response:
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(exc.detail, exc.status_code, headers=exc.headers)


def _server_error(exc: Exception, handler: Handler, request: Request, dev: bool) -> Response:
    digest = secrets.token_hex(4)
    logger.error("error in %s() of %s for %s %s (digest %s)", handler.method, handler.file,
                 request.method, request.url.path, digest, exc_info=exc)
    body = f"Internal Server Error (digest {digest})"
    if dev:
        body += "\n\n" + "".join(traceback.format_exception(exc))
    return PlainTextResponse(body, 500)


def _bad_json_body(exc: BaseException, request: Request) -> bool:
    """Whether ``exc`` is the request body failing to parse as JSON: raised inside
    ``Request.json``, or by ``json.loads`` of exactly the body the request read (invalid, too
    deeply nested, a number of more digits than Python reads)."""
    if not isinstance(exc, ValueError | RecursionError):  # (JSONDecodeError is a ValueError)
        return False
    doc = exc.doc if isinstance(exc, json.JSONDecodeError) else None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code in _REQUEST_JSON:
            return True
        if doc is None and tb.tb_frame.f_code is _LOADS:
            doc = tb.tb_frame.f_locals.get("s")  # the text json.loads was given (decoded)
        tb = tb.tb_next
    body = getattr(request, "_body", None)  # set once the body was read
    if not isinstance(body, bytes):
        return False
    if isinstance(exc, UnicodeDecodeError):  # json.loads(body) of bytes in no UTF encoding
        return exc.object == body
    if not isinstance(doc, str):
        return False
    try:
        return doc == body.decode(json.detect_encoding(body), "surrogatepass")
    except (UnicodeDecodeError, LookupError):
        return False


_REQUEST_JSON = (Request.json.__code__, RouteRequest.json.__code__)
_LOADS = json.loads.__code__
