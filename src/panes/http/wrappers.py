"""The ASGI pieces an :class:`~panes.http.app.App` puts around its dispatch, and the small answers
it makes: each one thing a request goes through on its way in or out."""

from __future__ import annotations

from typing import Any

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from panes.core import protocol
from panes.core.protocol import RedirectRecord


def answer(*records: protocol.Record) -> Response:
    """Records for the client runtime (:mod:`panes.core.protocol`), never cached."""
    return Response("".join(map(protocol.frame, records)), 200, media_type=protocol.MEDIA_TYPE,
                    headers={"cache-control": protocol.PRIVATE})


def not_allowed() -> Response:
    return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})


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
