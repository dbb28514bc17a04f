"""app/middleware.py: answering, rewriting, changing the response, streaming through; and the
Starlette middleware stack of App(middleware=[...])."""

from __future__ import annotations

import asyncio
import logging
import time
import types

import httpx
import pytest
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, StreamingResponse

from panes.appdir.specials import MIDDLEWARE_ARGUMENTS, load_middleware
from panes.http.middleware import (
    UserMiddleware,
    original_path,
    original_query,
    rewrite,
    wrap,
)
from panes.render.cookies import cookies_for

pytestmark = pytest.mark.anyio

calls: list[str] = []


async def inner(scope, receive, send):
    """Stands in for the panes dispatcher."""
    if scope["type"] != "http":
        calls.append(scope["type"])
        return
    request = Request(scope, receive)
    path = request.url.path
    calls.append(path)
    if path.endswith("/stream"):
        async def chunks():
            yield b"first;"
            await asyncio.sleep(0.5)
            yield b"second"
        await StreamingResponse(chunks(), media_type="text/plain")(scope, receive, send)
        return
    if path.endswith("/boom"):
        raise RuntimeError("inner failure")
    if path.endswith("/cookie"):
        cookies = cookies_for(request)
        cookies.set("inner", "1")
        await cookies.apply(PlainTextResponse("cookie"))(scope, receive, send)
        return
    body = (await request.body()).decode()
    await JSONResponse({
        "path": scope["path"], "raw_path": scope.get("raw_path", b"").decode(),
        "query": scope["query_string"].decode(), "original": original_path(scope).decode(),
        "original_query": original_query(scope).decode(), "body": body,
    })(scope, receive, send)


def client(app, base="http://test"):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


async def test_call_next_and_a_header_on_every_response():
    async def middleware(request, call_next):
        response = await call_next(request)
        response.headers["x-frame-options"] = "DENY"
        return response

    async with client(UserMiddleware(middleware, inner)) as c:
        r = await c.post("/inbox?x=1", content=b"hello")
        assert r.headers["x-frame-options"] == "DENY"
        assert r.json()["path"] == "/inbox" and r.json()["body"] == "hello"
        assert r.json()["original"] == "/inbox"


async def test_its_own_response():
    calls.clear()

    async def middleware(request, call_next, cookies):
        if not cookies.get("session"):
            return RedirectResponse("/login", 307)
        return await call_next(request)

    async with client(UserMiddleware(middleware, inner)) as c:
        r = await c.get("/inbox")
        assert r.status_code == 307 and r.headers["location"] == "/login"
        assert calls == []
        assert (await c.get("/inbox", headers={"cookie": "session=1"})).status_code == 200


async def test_rewrite_keeps_the_browser_url():
    async def middleware(request, call_next):
        if request.url.path == "/":
            return await call_next(rewrite(request, "/inbox"))
        if request.url.path.startswith("/old"):
            return await call_next(rewrite(request, "/new page?q=2"))
        return await call_next(rewrite(request, "/en" + request.url.path))

    async with client(UserMiddleware(middleware, inner)) as c:
        r = (await c.get("/?a=1")).json()
        assert (r["path"], r["query"], r["original"], r["original_query"]) == ("/inbox", "a=1", "/", "a=1")
        r = (await c.get("/old/x?a=1")).json()
        assert (r["path"], r["raw_path"], r["query"]) == ("/new page", "/new%20page", "q=2")
        assert (r["original"], r["original_query"]) == ("/old/x", "a=1")
        r = (await c.get("/settings/")).json()  # what a trailing-slash redirect must look at
        assert r["path"] == "/en/settings/" and r["original"] == "/settings/"
        r = (await c.get("/caf%C3%A9")).json()
        assert r["path"] == "/en/café" and r["raw_path"] == "/en/caf%C3%A9" and r["original"] == "/caf%C3%A9"


async def test_rewrite_inside_a_mount():
    from starlette.applications import Starlette
    from starlette.routing import Mount

    async def middleware(request, call_next):
        return await call_next(rewrite(request, "/inbox"))

    outer = Starlette(routes=[Mount("/mail", UserMiddleware(middleware, inner))])
    async with client(outer) as c:
        r = (await c.get("/mail/x")).json()
        assert r["path"] == "/mail/inbox" and r["raw_path"] == "/mail/inbox" and r["original"] == "/x"


def test_rewrite_refuses_other_sites():
    request = Request({"type": "http", "path": "/", "headers": [], "query_string": b""})
    for bad in ("https://evil.com/", "//evil.com/x", "relative", ""):
        with pytest.raises(ValueError, match="starts with '/'"):
            rewrite(request, bad)


async def test_cookies_in_middleware():
    async def middleware(request, call_next, cookies):
        cookies.set("seen", "1")
        response = await call_next(request)
        cookies.set("after", "2")
        return response

    async with client(UserMiddleware(middleware, inner), base="https://test") as c:
        r = await c.get("/cookie")
        headers = r.headers.get_list("set-cookie")
        assert sorted(h.split(";")[0] for h in headers) == ["after=2", "inner=1", "seen=1"]
        assert all("Secure" in h and "HttpOnly" in h for h in headers)


async def test_state_argument():
    async def middleware(request, call_next, state):
        response = await call_next(request)
        response.headers["x-pool"] = state["pool"]
        return response

    app = UserMiddleware(middleware, inner, state_for=lambda scope: {"pool": "P"})
    async with client(app) as c:
        assert (await c.get("/")).headers["x-pool"] == "P"


async def test_a_middleware_that_raises_is_a_500_page_without_traceback(caplog):
    async def middleware(request, call_next):
        raise RuntimeError("secret detail")

    caplog.set_level(logging.ERROR, "panes")
    async with client(UserMiddleware(middleware, inner)) as c:
        r = await c.get("/")
        assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
        assert "secret detail" not in r.text and "Traceback" not in r.text
        digest = r.text.split("digest ")[1][:8]
    assert any(digest in rec.getMessage() and "app/middleware.py" in rec.getMessage()
               for rec in caplog.records)
    async with client(UserMiddleware(middleware, inner, dev=True)) as c:
        r = await c.get("/")
        assert r.status_code == 500 and "secret detail" in r.text and "Traceback" in r.text


async def test_a_middleware_that_returns_nothing_is_a_500():
    async def middleware(request, call_next):
        await call_next(request)

    async with client(UserMiddleware(middleware, inner, dev=True)) as c:
        r = await c.get("/")
        assert r.status_code == 500 and "returned NoneType" in r.text


async def test_an_app_error_before_the_response_reaches_the_middleware():
    async def catching(request, call_next):
        try:
            return await call_next(request)
        except RuntimeError as exc:
            return PlainTextResponse(f"caught {exc}", 503)

    async def passing(request, call_next):
        return await call_next(request)

    async with client(UserMiddleware(catching, inner)) as c:
        r = await c.get("/boom")
        assert (r.status_code, r.text) == (503, "caught inner failure")
    async with client(UserMiddleware(passing, inner)) as c:
        r = await c.get("/boom")
        assert r.status_code == 500 and "inner failure" not in r.text


async def test_a_discarded_response_does_not_hang_and_background_tasks_run():
    ran = []

    async def app(scope, receive, send):
        await PlainTextResponse("x" * 100_000, background=BackgroundTask(ran.append, 1))(scope, receive, send)

    async def middleware(request, call_next):
        await call_next(request)
        return PlainTextResponse("mine")

    async def keeping(request, call_next):
        return await call_next(request)

    async with client(UserMiddleware(middleware, app)) as c:
        r = await asyncio.wait_for(c.get("/"), 5)
        assert r.text == "mine"
    async with client(UserMiddleware(keeping, app)) as c:
        assert len((await c.get("/")).text) == 100_000
    assert ran == [1, 1]  # the discarded response's task too: the app ran to its end


async def test_runtime_script_and_lifespan_skip_the_middleware():
    calls.clear()

    async def middleware(request, call_next):
        return PlainTextResponse("blocked", 403)

    app = UserMiddleware(middleware, inner)
    async with client(app) as c:
        assert (await c.get("/_panes/panes.abc.js")).status_code == 200
        assert (await c.get("/inbox")).status_code == 403
    await app({"type": "lifespan"}, None, None)
    assert calls == ["/_panes/panes.abc.js", "lifespan"]


def test_streaming_passes_through_over_a_real_server(live_server):
    """The first chunk reaches the browser before the page has finished."""
    async def middleware(request, call_next):
        response = await call_next(request)
        response.headers["x-through"] = "1"
        return response

    with live_server(UserMiddleware(middleware, inner)) as server, \
            httpx.stream("GET", server.url + "/stream") as r:
        start = time.monotonic()
        chunks = []
        for chunk in r.iter_raw():
            chunks.append((chunk, time.monotonic() - start))
        assert r.headers["x-through"] == "1"
        assert b"".join(c for c, _ in chunks) == b"first;second"
        assert chunks[0][0] == b"first;" and chunks[0][1] < 0.3 and chunks[-1][1] >= 0.4


def test_a_client_that_leaves_reaches_the_app(live_server):
    """The app watching for http.disconnect (as panes's streams do) sees the client go."""
    seen = []

    async def watching(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"start", "more_body": True})
        while (await receive())["type"] != "http.disconnect":
            pass
        seen.append("disconnect")

    async def middleware(request, call_next):
        return await call_next(request)

    with live_server(UserMiddleware(middleware, watching)) as server:
        with httpx.stream("GET", server.url) as r:
            next(r.iter_raw())
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.02)
    assert seen == ["disconnect"]


def test_an_app_failing_mid_stream_does_not_end_the_response_as_whole(live_server):
    async def failing(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("mid-stream")

    async def middleware(request, call_next):
        return await call_next(request)

    with live_server(UserMiddleware(middleware, failing)) as server, \
            pytest.raises(httpx.RemoteProtocolError):
        httpx.get(server.url)


async def test_the_body_read_by_the_middleware_reaches_the_app():
    async def middleware(request, call_next):
        data = await request.body()
        response = await call_next(request)
        response.headers["x-len"] = str(len(data))
        return response

    async with client(UserMiddleware(middleware, inner)) as c:
        body = b"x" * 200_000
        r = await c.post("/", content=body)
        assert r.headers["x-len"] == "200000" and len(r.json()["body"]) == 200_000


async def test_starlette_middleware_stack_in_order():
    order = []

    def named(name):
        async def dispatch(request, call_next):
            order.append(name)
            response = await call_next(request)
            response.headers[f"x-{name}"] = "1"
            return response
        return Middleware(BaseHTTPMiddleware, dispatch=dispatch)

    async def big(scope, receive, send):
        await PlainTextResponse("a" * 5000)(scope, receive, send)

    app = wrap(big, [named("outer"), named("inner"), Middleware(GZipMiddleware, minimum_size=100)])
    async with client(app) as c:
        r = await c.get("/", headers={"accept-encoding": "gzip"})
        assert order == ["outer", "inner"] and r.text == "a" * 5000
        assert r.headers["content-encoding"] == "gzip"
    assert wrap(big, []) is big
    assert isinstance(wrap(big, [GZipMiddleware]), GZipMiddleware)  # a class alone
    with pytest.raises(TypeError, match="Middleware"):
        wrap(big, ["not middleware"])


async def test_session_middleware_with_panes_middleware():
    """The common stack: Starlette's sessions outside, app/middleware.py inside, reading them."""
    pytest.importorskip("itsdangerous")
    from starlette.middleware.sessions import SessionMiddleware

    async def middleware(request, call_next):
        request.session["n"] = request.session.get("n", 0) + 1
        response = await call_next(request)
        response.headers["x-n"] = str(request.session["n"])
        return response

    app = wrap(UserMiddleware(middleware, inner), [Middleware(SessionMiddleware, secret_key="k")])
    async with client(app) as c:
        assert (await c.get("/")).headers["x-n"] == "1"
        assert (await c.get("/")).headers["x-n"] == "2"


def test_load_middleware():
    def mod(source):
        m = types.ModuleType("middleware")
        exec(source, m.__dict__)
        return m

    func, problems = load_middleware(mod("async def middleware(request, call_next, cookies, state): pass\n"), "app/middleware.py")
    assert func is not None and not problems
    _, problems = load_middleware(mod("x = 1\n"), "app/middleware.py")
    assert "no function named middleware" in problems[0].message
    _, problems = load_middleware(mod("def middleware(request, call_next): pass\n"), "app/middleware.py")
    assert "not async" in problems[0].message
    _, problems = load_middleware(mod("async def middleware(request, call_next, params): pass\n"), "app/middleware.py")
    assert "unknown argument 'params'" in problems[0].message
    assert {"request", "call_next", "cookies", "state", "pathname"} == MIDDLEWARE_ARGUMENTS


async def test_what_middleware_hands_to_the_pages_request_state_and_a_context_var(tmp_path):
    """docs/app.md: ``request.state`` reaches every function of the request, streamed slots
    too; a ContextVar set before ``call_next`` does as well."""
    from conftest import write_app

    from panes import App

    app_dir = write_app(tmp_path / "app", {
        "_ctx.py": "from contextvars import ContextVar\nuser = ContextVar('user', default='-')\n",
        "middleware.py": '''
from app._ctx import user
async def middleware(request, call_next):
    user.set("alice")
    request.state.user = "alice"
    return await call_next(request)
''',
        "slow/loading.py": "def loading():\n    return '...'\n",
        "slow/page.py": '''
import asyncio
from app._ctx import user
async def page(request):
    await asyncio.sleep(0.01)
    return f"var={user.get()} state={request.state.user}"
''',
    })
    async with client(App(app_dir, secret=b"x")) as c:
        assert "var=alice state=alice" in (await c.get("/slow")).text


async def test_a_redirect_by_starlette_middleware_reaches_the_runtime_as_a_record(tmp_path,
                                                                                 client_for):
    """A soft navigation that the App's own Starlette middleware answers with a redirect (a
    login wall) is a redirect record, so that the runtime moves the browser's URL there
    (``fetch`` would follow a 307 silently and show the login page at the old URL)."""
    from conftest import write_app

    from panes import App
    from panes.core import protocol

    class LoginWall:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http" and scope["path"] == "/private":
                response = RedirectResponse("/login", 307)
                response.set_cookie("next", "/private")
                await response(scope, receive, send)
                return
            await self.app(scope, receive, send)

    app = App(write_app(tmp_path / "app", ["layout.py", "page.py", "private/page.py",
                                           "login/page.py"]),
              secret="s" * 40, middleware=[Middleware(LoginWall)])
    client = client_for(app)
    hard = await client.get("/private")
    assert hard.status_code == 307 and hard.headers["location"] == "/login"
    soft = await client.get("/private", headers={"panes-state": "anything"})
    assert soft.status_code == 200
    assert [(r["t"], r["url"]) for r in protocol.parse(soft.text)] == [("redirect", "/login")]
    assert "next=" in soft.headers["set-cookie"]
