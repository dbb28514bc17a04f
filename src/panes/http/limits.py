"""A request body limit that holds under any ASGI server.

No server panes runs on bounds the body an app reads (uvicorn and granian both pass a 1 GB
upload through), and a form or JSON post read whole lands in memory. This middleware answers
413 before the app runs when ``Content-Length`` is too large, and counts the bytes of a body
sent without one (chunked), answering 413 as soon as it passes the limit.
"""

from __future__ import annotations

import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_SIZE = 1024 * 1024

_TOO_LARGE = b"Request body too large"


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a streamed body passes the limit."""


class BodySizeLimit:
    """Answer 413 for a request body over ``max_body_size`` bytes (``None``: no limit)."""

    def __init__(self, app: ASGIApp, max_body_size: int | None = DEFAULT_MAX_BODY_SIZE) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_body_size
        if scope["type"] != "http" or limit is None:
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > limit:
            await _refuse(send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app makes of the error, the client gets the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await _refuse(send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send) -> None:
    # Connection: close, so the server does not read the rest of the body to reuse the line.
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(_TOO_LARGE)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": _TOO_LARGE})
