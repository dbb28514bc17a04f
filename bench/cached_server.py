"""The bare ASGI app ``bench_cached`` compares the cached dashboard with: it sends the bytes
panes sent for ``/`` (read once at start, from an in-process panes over the same directory),
served by ``panes start cached_server:bare_from_env --factory`` like every other server of the
benchmarks, so that only the app differs. The app directory is ``BENCH_APP_DIR``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any


def bare_from_env() -> Any:
    """An ASGI app that answers every request with panes's document for ``/``."""
    import httpx

    from panes import App

    panes = App(Path(os.environ["BENCH_APP_DIR"]))

    async def first() -> bytes:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=panes),
                                     base_url="http://x") as client:
            return (await client.get("/")).content

    body = asyncio.run(first())
    start = {"type": "http.response.start", "status": 200,
             "headers": [(b"content-type", b"text/html; charset=utf-8"),
                         (b"content-length", str(len(body)).encode())]}
    done = {"type": "http.response.body", "body": body}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(start)
        await send(done)

    return app
