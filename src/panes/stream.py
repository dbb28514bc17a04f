"""The one seam between rendering and serving: a rendered document sent as ASGI messages.

The document up to ``</body>`` goes out in the first flush; each fill follows as it finishes, as
visible HTML plus an inline script that moves it into its region (so without JavaScript the
content still ends up readable, at the end of the page); the closing tags go last. While it
streams, the response watches for the client leaving and then cancels the work still running.
"""

from __future__ import annotations

import asyncio
import contextlib

from markupsafe import escape
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .render import Fill, Renderer

#: Defined once before the first fill: moves a fill's content into its region's markers.
FILL_SCRIPT = (
    "<script>function __panesFill(s){var d=s.previousSibling,id=d.getAttribute('data-panes-fill'),"
    "w=document.createTreeWalker(document,128),a,b,n;while(n=w.nextNode()){"
    "if(n.data=='panes:'+id)a=n;else if(a&&n.data=='/panes:'+id){b=n;break}}"
    "if(a&&b){while(a.nextSibling!==b)a.nextSibling.remove();"
    "while(d.firstChild)b.parentNode.insertBefore(d.firstChild,b)}"
    "d.remove();s.remove();document.dispatchEvent(new CustomEvent('panes:fill',{detail:id}))}"
    "</script>"
)


def fill_chunk(fill: Fill) -> str:
    if fill.target is None:
        return fill.html
    return (f'<div data-panes-fill="{escape(fill.target)}">{fill.html}</div>'
            "<script>__panesFill(document.currentScript)</script>")


class StreamedDocument(Response):
    """A document whose loading boundaries are filled in as their content is ready."""

    def __init__(self, renderer: Renderer, html: str, status: int) -> None:
        self.status_code = status
        self.media_type = "text/html"
        self.background = None
        self.init_headers()  # no body yet: no content-length, the response is chunked
        self.renderer = renderer
        cut = html.rfind("</body>")
        self.head, self.tail = (html[:cut], html[cut:]) if cut >= 0 else (html, "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        pump = asyncio.ensure_future(self._pump(send))
        watch = asyncio.ensure_future(_disconnected(receive))
        try:
            await asyncio.wait((pump, watch), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, watch):
                task.cancel()
            self.renderer.close()
            for task in (pump, watch):
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await task
        if pump.done() and not pump.cancelled() and pump.exception() is not None:
            raise pump.exception()  # type: ignore[misc]

    async def _pump(self, send: Send) -> None:
        await _body(send, self.head + FILL_SCRIPT)
        async for fill in self.renderer.fills():
            await _body(send, fill_chunk(fill))
            fill.flushed.set()
        await send({"type": "http.response.body", "body": self.tail.encode(), "more_body": False})


async def _body(send: Send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
