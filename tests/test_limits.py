"""The request body limit: 413 before the app reads too much, whatever the server."""

from __future__ import annotations

import socket
import time

import pytest
from conftest import LiveServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from panes.http.limits import BodySizeLimit

pytestmark = pytest.mark.anyio


async def echo(request: Request) -> PlainTextResponse:
    body = await request.body()
    return PlainTextResponse(f"got {len(body)} bytes")


async def swallow(request: Request) -> PlainTextResponse:
    try:
        await request.body()
    except Exception as exc:  # an app that hides the failure still cannot answer 200
        return PlainTextResponse(f"oops {type(exc).__name__}")
    return PlainTextResponse("fine")


def limited(limit: int | None = 1000) -> BodySizeLimit:
    routes = [Route("/", echo, methods=["GET", "POST"]),
              Route("/swallow", swallow, methods=["POST"])]
    return BodySizeLimit(Starlette(routes=routes), max_body_size=limit)


async def test_a_body_within_the_limit_reaches_the_app(client_for):
    client = client_for(limited())
    assert (await client.post("/", content=b"x" * 1000)).text == "got 1000 bytes"
    assert (await client.get("/")).text == "got 0 bytes"


async def test_a_declared_length_over_the_limit_is_413(client_for):
    response = await client_for(limited()).post("/", content=b"x" * 1001)
    assert response.status_code == 413
    assert response.headers["connection"] == "close"


async def test_a_chunked_body_is_counted(client_for):
    async def body():
        for _ in range(5):
            yield b"x" * 300

    client = client_for(limited())
    response = await client.post("/", content=body())  # no content-length: chunked
    assert response.status_code == 413
    response = await client.post("/swallow", content=body())
    assert response.status_code == 413


async def test_no_limit(client_for):
    response = await client_for(limited(None)).post("/", content=b"x" * 100_000)
    assert response.text == "got 100000 bytes"


def test_a_gigabyte_upload_is_refused_early_over_a_socket():
    with LiveServer(limited(1024 * 1024)) as live, \
            socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        start = time.monotonic()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n")
        sock.sendall(b"x" * 65536)
        answer = sock.recv(200)
        assert answer.startswith(b"HTTP/1.1 413")
        assert time.monotonic() - start < 1


ACTION_APP = {
    "page.py": """
        RAN = []

        def action(form):
            RAN.append(len(form.get("f", "")))

        def page(action_result):
            return f"ran {RAN}"
    """,
}


async def test_the_app_counts_a_body_sent_without_a_length_and_nothing_runs(tmp_path,
                                                                          client_for):
    """A chunked post over ``max_body_size`` is a 413 from the App itself (its connection
    counts the body as it is read), and the action never runs."""
    from conftest import write_app

    from panes import App

    app = App(write_app(tmp_path / "app", ACTION_APP), secret="s" * 40, max_body_size=1000)

    async def chunks():
        for _ in range(10):
            yield b"f=" + b"x" * 200 if _ == 0 else b"x" * 200

    client = client_for(app)
    response = await client.post("/", content=chunks(),
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.text == "Request body too large"
    assert "ran []" in (await client.get("/")).text
    small = await client.post("/", content=b"f=xyz",
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert small.status_code == 303  # within the limit: it runs (then Post/Redirect/Get)
    assert "ran [3]" in (await client.get("/")).text


async def test_a_body_over_the_limit_is_a_413_whatever_the_app_makes_of_the_error(tmp_path,
                                                                                client_for):
    """A middleware.py that reads the body and hides the failure cannot answer 200 to it."""
    from conftest import write_app

    from panes import App

    files = {**ACTION_APP, "middleware.py": """
        from starlette.responses import PlainTextResponse

        async def middleware(request, call_next):
            if request.method == "POST":
                try:
                    await request.body()
                except Exception:
                    return PlainTextResponse("fine")
            return await call_next(request)
    """}
    app = App(write_app(tmp_path / "app", files), secret="s" * 40, max_body_size=1000)

    async def chunks():
        for _ in range(10):
            yield b"x" * 200

    response = await client_for(app).post("/", content=chunks())
    assert (response.status_code, response.text) == (413, "Request body too large")
