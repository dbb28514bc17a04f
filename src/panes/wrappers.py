"""The ASGI pieces an :class:`~panes.app.App` puts around its dispatch, and the small answers
it makes: each one thing a request goes through on its way in or out."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import protocol
from .connection import disconnected
from .protocol import RedirectRecord

T = TypeVar("T")


def answer(*records: protocol.Record) -> Response:
    """Records for the client runtime (:mod:`panes.protocol`), never cached."""
    return Response("".join(map(protocol.frame, records)), 200, media_type=protocol.MEDIA_TYPE,
                    headers={"cache-control": protocol.PRIVATE})


def not_allowed() -> Response:
    return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})


async def unless_gone(work: Coroutine[Any, Any, Response], scope: Scope,
                      receive: Receive) -> Response | None:
    """The response ``work`` makes, unless the client leaves first: then the work is cancelled
    (whatever it was waiting for), and there is nothing to send. The work runs in this task,
    at once; only if it waits does a watcher start, to cancel it when the client goes (work
    that never waits cannot be cancelled, and most pages never wait)."""
    started = _Started(work)
    if started.done:
        return started.value
    here = asyncio.current_task()
    gone = False

    async def watch() -> None:
        nonlocal gone
        await disconnected(scope, receive)
        gone = True
        if here is not None:
            here.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        return await started
    except asyncio.CancelledError:
        if gone:
            return None
        raise
    finally:
        watcher.cancel()


class _Started(Generic[T]):
    """A coroutine run up to its first wait (its result, if it never waited); awaiting it runs
    the rest in the awaiting task."""

    __slots__ = ("_coro", "_waiting", "done", "value")

    def __init__(self, coro: Coroutine[Any, Any, T]) -> None:
        self._coro = coro
        self.done = False
        self.value: T | None = None
        try:
            self._waiting = coro.send(None)
        except StopIteration as stop:
            self.done, self.value = True, stop.value

    def __await__(self) -> Generator[Any, Any, T | None]:
        if self.done:
            return self.value
        coro, waiting = self._coro, self._waiting
        result: T
        while True:
            try:
                sent = yield waiting  # the future it waits for, to the task that drives it
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - a cancellation: into the coroutine
                try:
                    waiting = coro.throw(exc)
                except StopIteration as stop:
                    result = stop.value
                    return result
            else:
                try:
                    waiting = coro.send(sent)
                except StopIteration as stop:
                    result = stop.value
                    return result


def settled(cache: Any, send: Send) -> Send:
    """``send``, holding an answer back until the invalidations the request started are
    applied: after an action's ``revalidate_tag``, the page it redirects to is rendered fresh
    by whichever worker serves it."""

    async def sending(message: Message) -> None:
        if cache.settling and message["type"] == "http.response.start":
            await cache.settle()
        await send(message)

    return sending


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class SoftRedirects:
    """A redirect answering the client runtime (a soft navigation, prefetch or post: it sends
    ``Panes-State``) becomes a redirect record, so that the runtime moves the browser's URL
    there (``fetch`` would follow it silently, leaving the old URL in the address bar)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(
                k == b"panes-state" for k, _ in scope.get("headers", ())):
            await self.app(scope, receive, send)
            return
        redirected = False

        async def sending(message: Message) -> None:
            nonlocal redirected
            if redirected:
                return
            if message["type"] == "http.response.start" and message["status"] in _REDIRECTS:
                location = next((v for k, v in message.get("headers", ())
                                 if k.lower() == b"location"), None)
                if location is not None:
                    redirected = True
                    redirect = answer(RedirectRecord(location.decode("latin-1")))
                    redirect.raw_headers += [(k, v) for k, v in message.get("headers", ())
                                           if k.lower() == b"set-cookie"]
                    await redirect(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, sending)
