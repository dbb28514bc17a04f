"""``app/middleware.py``, and the Starlette middleware given to ``App(middleware=[...])``.

::

    # app/middleware.py
    from panes import redirect, rewrite
    from starlette.responses import RedirectResponse

    async def middleware(request, call_next, cookies):
        if request.url.path.startswith("/admin") and not cookies.get("session"):
            return RedirectResponse("/login", 307)                  # answer it yourself
        if request.url.path == "/":
            return await call_next(rewrite(request, "/inbox"))      # render /inbox at /
        response = await call_next(request)                         # the page, route, action
        response.headers["x-frame-options"] = "DENY"                # change what it answers
        return response

It runs before every request of the app (pages, soft navigations, actions, route handlers) but
not for public files nor panes's own runtime script (``/_panes/…``). ``call_next(request)`` runs
the app for ``request`` and returns its response without waiting for the body: a streamed page
still streams through the middleware, chunk by chunk.

``rewrite(request, "/other")`` is Next.js's ``NextResponse.rewrite``: the app renders
``/other`` and the browser's URL stays. The path is below the app's mount point (a URL path as
``request.url.path`` gives it for an app that is not mounted); the query stays unless the new
path has one. The URL the browser asked for stays in the scope (:func:`original_path`), for
what panes writes itself (the trailing-slash redirect, the URL in the navigation state).

The function may declare ``request``, ``call_next``, ``cookies`` (which may set cookies: they
are added to the response it returns) and ``state``. An exception in it is a 500 page (the
traceback only under ``panes dev``) and a log line with a digest.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from panes.appdir.public import route_path
from panes.appdir.signatures import names
from panes.appdir.specials import MIDDLEWARE_ARGUMENTS
from panes.http.lifespan import State
from panes.http.mount import pathname_of
from panes.render.cookies import cookies_for
from panes.render.html import error_document

__all__ = ["UserMiddleware", "original_path", "original_query", "rewrite", "wrap"]

logger = logging.getLogger("panes")

ORIGINAL_PATH = "panes.original_path"  # raw path below the mount, bytes, as the browser sent it
ORIGINAL_QUERY = "panes.original_query"  # the query string the browser sent, bytes

CallNext = Callable[[Request], Awaitable[Response]]

_SAFE = "/%:@!$&'()*+,;=-._~"


def rewrite(request: Request, path: str) -> Request:
    """A request for ``path`` (below the mount; ``?query`` optional) that is ``request`` in
    everything else: give it to ``call_next`` and the app renders ``path`` at the browser's URL.
    """
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"rewrite() takes a path on this site that starts with '/', "
                         f"not {path!r}")
    target, mark, query = path.partition("?")
    old = request.scope
    scope = dict(old)
    scope.setdefault(ORIGINAL_PATH, route_path(old))
    scope.setdefault(ORIGINAL_QUERY, old.get("query_string", b""))
    root = old.get("root_path", "")
    full = root + target if root and old["path"].startswith(root) else target
    scope["path"] = full
    scope["raw_path"] = quote(root).encode() + quote(target, safe=_SAFE).encode() \
        if root else quote(target, safe=_SAFE).encode()
    if mark:
        scope["query_string"] = query.encode("utf-8")
    return Request(scope, request.receive)


def original_path(scope: Scope) -> bytes:
    """The raw path (below the mount) that the browser asked for, before any rewrite."""
    value = scope.get(ORIGINAL_PATH)
    return value if isinstance(value, bytes) else route_path(scope)


def original_query(scope: Scope) -> bytes:
    """The query string that the browser sent, before any rewrite."""
    value = scope.get(ORIGINAL_QUERY)
    return value if isinstance(value, bytes) else scope.get("query_string", b"")


class _ClientGone(Exception):
    """The client left before the app answered."""


class _Tee:
    """The request body, readable by the middleware and then (again) by the app: every body
    message read through any reader is kept, and each reader starts from the first."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.messages: list[Message] = []
        self.gone = False  # the client has left: an app that stops early is not at fault

    def reader(self) -> Receive:
        index = 0

        async def read() -> Message:
            nonlocal index
            if index < len(self.messages):
                index += 1
                return self.messages[index - 1]
            message = await self.receive()
            if message["type"] == "http.request":
                self.messages.append(message)
                index = len(self.messages)
            elif message["type"] == "http.disconnect":
                self.gone = True
            return message

        return read


class UserMiddleware:
    """The ASGI app that runs ``func(request, call_next, …)`` in front of ``app``.

    ``state_for`` gives the ``state`` argument of a request (default: the scope's lifespan
    state); paths below ``skip`` (raw, below the mount) go straight to ``app``.
    """

    def __init__(self, func: Callable[..., Any], app: ASGIApp, *, dev: bool = False,
                 file: str = "app/middleware.py",
                 state_for: Callable[[Scope], Mapping[str, Any]] | None = None,
                 skip: tuple[bytes, ...] = (b"/_panes/",)) -> None:
        self.func = func
        self.app = app
        self.dev = dev
        self.file = file
        self.state_for = state_for or (lambda scope: State(scope.get("state")))
        self.skip = skip
        found = names(func, MIDDLEWARE_ARGUMENTS)
        self.wants, self.takes_all = found.wants, found.takes_all

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.skip and route_path(scope).startswith(self.skip)):
            await self.app(scope, receive, send)
            return
        tee = _Tee(receive)
        request = Request(scope, tee.reader())
        sent = asyncio.Event()
        failures: list[BaseException] = []  # the app's errors that no one has seen yet
        channels: list[_Channel] = []
        tasks: list[asyncio.Task[None]] = []

        async def call_next(inner: Request) -> Response:
            if not isinstance(inner, Request):
                raise TypeError("call_next() takes the request (or rewrite(request, path))")
            channel = _Channel()
            channels.append(channel)
            app_receive = _until_sent(tee.reader(), sent)

            async def run() -> None:
                try:
                    await self.app(inner.scope, app_receive, channel.put)
                except Exception as exc:  # noqa: BLE001 - raised where it is seen
                    failures.append(exc)
                finally:
                    await channel.put(None)

            tasks.append(asyncio.ensure_future(run()))
            return await _response_of(channel, failures, tee, send)

        try:
            response = await self._dispatch(request, call_next)
            await response(scope, request.receive, send)
        except _ClientGone:
            pass  # nobody to answer
        except BaseException:
            sent.set()
            for channel in channels:
                channel.close()
            for task in tasks:
                task.cancel()
            raise
        sent.set()
        for channel in channels:
            channel.close()  # a response the middleware did not return: its app ends now
        if tasks:
            await asyncio.gather(*tasks)  # background tasks of the app's response
        if failures:  # the app failed after its response started: the server logs it
            raise failures.pop()

    async def _dispatch(self, request: Request, call_next: CallNext) -> Response:
        cookies = cookies_for(request)
        available = {"request": request, "call_next": call_next, "cookies": cookies,
                     "state": self.state_for(request.scope),
                     "pathname": pathname_of(request.scope)}
        kwargs = available if self.takes_all else {n: available[n] for n in self.wants}
        try:
            response = self.func(**kwargs)
            if inspect.isawaitable(response):
                response = await response
            if not isinstance(response, Response):
                raise TypeError(f"middleware() in {self.file} returned "
                                f"{type(response).__name__}: return a Response, such as the "
                                "one `await call_next(request)` gives")
        except Exception as exc:  # noqa: BLE001 - user code: any error is a 500 page
            digest = secrets.token_hex(4)
            logger.error("error in %s for %s (digest %s)", self.file, request.url.path, digest,
                         exc_info=exc)
            return HTMLResponse(error_document(
                500, f"Internal Server Error (digest {digest})", exc if self.dev else None), 500)
        return cookies.apply(response)


def _until_sent(read: Receive, sent: asyncio.Event) -> Receive:
    """The app's ``receive``: the request's body until the middleware's response is sent, then
    a disconnect (the app hears that the client left, and stops)."""
    async def receive() -> Message:
        if sent.is_set():
            return {"type": "http.disconnect"}
        reading = asyncio.ensure_future(read())
        done = asyncio.ensure_future(sent.wait())
        await asyncio.wait((reading, done), return_when=asyncio.FIRST_COMPLETED)
        if reading.done():
            done.cancel()
            return reading.result()
        reading.cancel()
        return {"type": "http.disconnect"}

    return receive


async def _response_of(channel: _Channel, failures: list[BaseException], tee: _Tee,
                       send: Send) -> _Streamed:
    """The app's response once it starts, for the middleware to change and send; an app that
    ends without one raises what it raised (or that it sent nothing)."""
    while True:
        message = await channel.get()
        if message is None:
            if failures:
                raise failures.pop()
            if tee.gone:
                raise _ClientGone
            raise RuntimeError("the app sent no response")
        if message["type"] == "http.response.start":
            return _Streamed(message, channel, failures, tee)
        if message["type"] == "http.response.early_hint":  # pragma: no cover
            await send(message)


class _Channel:
    """The messages of one app response, from the app's task to the response the middleware
    sends: at most one waits, so the app goes no faster than the browser reads."""

    __slots__ = ("closed", "queue")

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(maxsize=1)
        self.closed = False

    async def put(self, message: Message | None) -> None:
        if not self.closed:  # closed: the middleware answered with another response
            await self.queue.put(message)

    async def get(self) -> Message | None:
        return await self.queue.get()

    def close(self) -> None:
        self.closed = True
        while not self.queue.empty():  # frees a put that waits
            self.queue.get_nowait()


class _Streamed(Response):
    """What ``call_next`` returns: the app's status and headers (changeable), and its body,
    passed on chunk by chunk as the app sends it."""

    def __init__(self, start: Message, channel: _Channel, failures: list[BaseException],
                 tee: _Tee) -> None:
        self.status_code = start["status"]
        self.raw_headers = list(start.get("headers", []))
        self.channel = channel
        self.failures = failures
        self.tee = tee
        self.background = None

    @property
    def body(self) -> bytes:  # type: ignore[override]
        raise AttributeError("the response of call_next() streams: it has no .body; add "
                             "headers or cookies, or return another response")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        while (message := await self.channel.get()) is not None:
            if message["type"] == "http.response.pathsend":
                await send(message)
                return
            if message["type"] != "http.response.body":  # pragma: no cover
                continue
            await send(message)
            if not message.get("more_body", False):
                return
        # the app stopped before its last chunk: do not end the response as if it were whole
        if self.failures:
            raise self.failures.pop()
        if not self.tee.gone:  # (a client that left stops the app: nothing is missing)
            raise RuntimeError("the app stopped sending its response before the end")


def wrap(app: ASGIApp, middleware: Sequence[Middleware | Callable[..., ASGIApp]]) -> ASGIApp:
    """``app`` inside the Starlette middleware ``middleware``, the first one outermost (as
    ``Starlette(middleware=[...])`` orders them). A class alone stands for ``Middleware(cls)``."""
    for item in reversed(list(middleware)):
        if isinstance(item, Middleware):
            cls, args, kwargs = item
        elif callable(item):
            cls, args, kwargs = item, (), {}
        else:
            raise TypeError(f"middleware=[...] takes starlette.middleware.Middleware(cls, ...) "
                            f"items, not {item!r}")
        app = cls(app, *args, **kwargs)
    return app
