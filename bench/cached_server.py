"""The servers ``bench_cached`` compares, all under uvicorn with the options ``panes start``
gives it (one worker, no access log, no server header), so only the app differs.

``--mode panes``: panes over ``--app-dir`` (a copy of the dashboard, with or without
``revalidate``); ``--mode bare``: a bare ASGI app sending the bytes panes sent for ``/`` (read
once at start, from an in-process panes over the same directory); ``--mode starlette``: the
hand-written Starlette endpoint of ``baseline_dashboard.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))


def bare(app_dir: Path) -> Any:
    """An ASGI app that answers every request with panes's document for ``/``."""
    import httpx

    from panes import App

    panes = App(app_dir)

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["panes", "bare", "starlette"], required=True)
    parser.add_argument("--app-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.mode == "panes":
        from panes import App

        app: Any = App(args.app_dir)
    elif args.mode == "bare":
        app = bare(args.app_dir)
    else:
        import baseline_dashboard

        app = baseline_dashboard.build(args.app_dir)
    uvicorn.run(app, host=args.host, port=args.port, workers=1, access_log=False,
                server_header=False, log_level="warning")


if __name__ == "__main__":
    main()
