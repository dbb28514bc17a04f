"""A request leaves no reference cycle behind: everything it made is freed when it ends, by
reference counting, not later by the garbage collector (whose passes over a large heap cost a
loaded server time and memory). A cycle made per request (a renderer and what holds it, closures
that refer to each other) fails these tests."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from actions_app import make

from panes import App

pytestmark = pytest.mark.anyio
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


async def call(app: Any, path: str, headers: Sequence[tuple[bytes, bytes]] = (),
               method: str = "GET", body: bytes = b"") -> bytes:
    """One request through the ASGI app, with nothing of a test client's own around it."""
    raw, _, query = path.partition("?")
    scope = {"type": "http", "method": method, "path": raw, "raw_path": raw.encode(),
             "query_string": query.encode(), "headers": [(b"host", b"test"), *headers],
             "scheme": "http", "server": ("test", 80), "client": ("127.0.0.1", 1),
             "root_path": "", "http_version": "1.1", "asgi": {"version": "3.0"}}
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Future()  # the client stays
        raise AssertionError

    sent: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            sent.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(sent)


@contextmanager
def no_collector() -> Iterator[list[Any]]:
    """The garbage collector off; what it would have found is in the list."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    found: list[Any] = []
    try:
        yield found
    finally:
        gc.collect()
        found += gc.garbage
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()


def state_of(html: bytes) -> bytes:
    return html.split(b'id="panes-state">', 1)[1].split(b"</script>", 1)[0]


async def left_behind(request: Callable[[], Awaitable[bytes]]) -> list[str]:
    await request()  # first-time caches of the app are not the request's
    with no_collector() as found:
        for _ in range(3):
            await request()
    return sorted({type(o).__name__ for o in found})


@pytest.mark.parametrize("kind", ["document", "soft navigation", "streamed document",
                                  "streamed soft navigation", "refresh", "not found", "gzip"])
async def test_a_request_leaves_no_cycle(kind):
    app = App(EXAMPLES / "dashboard" / "app", secret="garbage")
    state = [(b"panes-state", state_of(await call(app, "/")))]
    request = {
        "document": lambda: call(app, "/"),
        "soft navigation": lambda: call(app, "/page-views", state),
        "streamed document": lambda: call(app, "/realtime"),
        "streamed soft navigation": lambda: call(app, "/realtime", state),
        "refresh": lambda: call(app, "/", [*state, (b"panes-refresh", b"1")]),
        "not found": lambda: call(app, "/no/such/page"),
        "gzip": lambda: call(app, "/", [(b"accept-encoding", b"gzip")]),
    }[kind]
    assert await left_behind(request) == []


async def test_an_action_leaves_no_cycle(tmp_path):
    app_dir, _ = make(tmp_path)
    app = App(app_dir, secret=b"garbage")
    state = state_of(await call(app, "/"))
    form = [(b"content-type", b"application/x-www-form-urlencoded"), (b"origin", b"http://test")]
    assert b"Added" in await call(app, "/", form, "POST", b"title=tea")
    soft = await call(app, "/", [*form, (b"panes-state", state)], "POST", b"title=tea")
    assert json.loads(soft.split(b"\n", 1)[0])["t"] == "patch"  # the runtime's answer
    assert await left_behind(lambda: call(app, "/", form, "POST", b"title=tea")) == []
    assert await left_behind(
        lambda: call(app, "/", [*form, (b"panes-state", state)], "POST", b"title=tea")) == []
