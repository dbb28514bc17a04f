"""The one seam between rendering and serving: rendered text sent as ASGI messages.

A document goes out up to ``</body>`` in the first flush (with the runtime, whose swapper the
fills use); each fill follows as it finishes, as visible HTML plus an inline script that moves
it into its region (so without JavaScript the content still ends up readable, at the end of the
page); the closing part goes last. A soft navigation streams the same way, as records
(:mod:`panes.core.protocol`). The response's :class:`~panes.http.connection.Work`
owns the fills: the client leaving cancels them, and the stream.

A document also sends a beat (:data:`BEAT`) each second no fill came: a browser gives a page no
sign that its stream was cut (Chromium leaves it loading for ever), so the runtime takes a
document silent for longer for cut, and reads the page again.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from markupsafe import escape
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from panes.core import protocol
from panes.core.protocol import MEDIA_TYPE, Fill, RedirectRecord
from panes.render.render import Renderer
from panes.render.results import Fill as Rendered


def fill_chunk(fill: Rendered) -> str:
    """A fill inside a streamed document: visible where it lands without JavaScript, moved into
    its region by the runtime's own swapper (loaded before the first fill)."""
    if fill.redirect is not None:
        return (f'<meta http-equiv="refresh" content="0;url={escape(fill.redirect)}">'
                f"<script>location.replace({protocol.dumps(fill.redirect)})</script>")
    return (f'<div data-panes-fill="{escape(fill.target)}">{fill.html}</div>'
            "<script>panes.fill(document.currentScript)</script>")


#: what a streamed document sends after a second without a fill (see the module's docstring;
#: :meth:`~panes.render.Renderer.fills` says when)
BEAT = "<script>panes.fill()</script>"
BEAT_EVERY = 1.0


def fill_record(fill: Rendered) -> str:
    if fill.redirect is not None:
        return protocol.frame(RedirectRecord(fill.redirect))
    return protocol.frame(Fill(fill.target, fill.html))


class _Streamed(Response):
    """A response whose body is an async iterator of text, cancelled if the client leaves."""

    def __init__(self, renderer: Renderer, status: int, media_type: str) -> None:
        self.status_code = status
        self.media_type = media_type
        self.background = None
        self.init_headers()  # no body yet: no content-length, the response is chunked
        self.headers["cache-control"] = protocol.PRIVATE  # (what is left renders per request)
        self.renderer = renderer

    def chunks(self) -> AsyncIterator[str]:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Sent in the request's own task, inside its :class:`~panes.http.connection.Work`: the
        client leaving cancels it there, with the fills (a send to a closed connection may
        fail first: nothing is left to say)."""
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        with contextlib.suppress(OSError):
            async for text in self.chunks():
                await send({"type": "http.response.body", "body": text.encode(),
                            "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})


class StreamedDocument(_Streamed):
    """A document whose loading boundaries are filled in as their content is ready.

    ``finish`` gives the closing part once every fill is sent (it holds the final state).
    """

    def __init__(self, renderer: Renderer, head: str, finish: Callable[[], str],
                 status: int) -> None:
        super().__init__(renderer, status, "text/html")
        self.head = head
        self.finish = finish

    async def chunks(self) -> AsyncIterator[str]:
        yield self.head
        async for fill in self.renderer.fills.each(BEAT_EVERY):
            if fill is None:
                yield BEAT
                continue
            yield fill_chunk(fill)
            fill.flushed.set()
        yield self.finish()


class NavigationStream(_Streamed):
    """A soft navigation: the first record holds the patch, fills follow, then a state record
    adds the regions placed inside them (``finish``). ``each`` writes a fill's records (a
    refresh sends only what changed in it)."""

    def __init__(self, renderer: Renderer, first: str, finish: Callable[[], str],
                 each: Callable[[Rendered], str] = fill_record) -> None:
        super().__init__(renderer, 200, MEDIA_TYPE)
        self.first = first
        self.finish = finish
        self.each = each

    async def chunks(self) -> AsyncIterator[str]:
        yield self.first
        async for fill in self.renderer.fills.each():
            records = self.each(fill)
            if records:
                yield records
            fill.flushed.set()
        yield self.finish()
