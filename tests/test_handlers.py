"""route.py: method functions, return conventions, 405/HEAD/OPTIONS, outcomes and errors."""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import types

import httpx
import pytest
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse

from panes import not_found, redirect
from panes.appdir.specials import ROUTE_ARGUMENTS, load_route
from panes.core.kinds import METHODS
from panes.http.handlers import RouteHandlers, json_bytes

pytestmark = pytest.mark.anyio


def asgi(handlers: RouteHandlers, params=None, state=None, dev=False):
    async def app(scope, receive, send):
        request = Request(scope, receive)
        response = await handlers.respond(request, params or {}, state=state, dev=dev)
        await response(scope, receive, send)

    return app


def client(app, base="http://test"):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


def module(source: str) -> types.ModuleType:
    mod = types.ModuleType("route")
    exec(source, mod.__dict__)
    return mod


def route(source: str, file: str = "app/api/route.py") -> RouteHandlers:
    functions, problems = load_route(module(source), file)
    assert not problems, problems
    assert functions is not None
    return RouteHandlers.from_functions(file, functions)


async def test_return_conventions():
    handlers = route("""
from starlette.responses import Response
def get(search_params):
    kind = search_params.get("kind")
    if kind == "dict": return {"a": 1, "é": [1, 2]}
    if kind == "list": return [1, "two"]
    if kind == "str": return "hello"
    if kind == "bytes": return b"\\x00\\x01"
    if kind == "response": return Response("custom", 201, headers={"x-a": "b"}, media_type="text/csv")
    return None
""")
    async with client(asgi(handlers)) as c:
        r = await c.get("/?kind=dict")
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.json() == {"a": 1, "é": [1, 2]}
        assert (await c.get("/?kind=list")).json() == [1, "two"]
        r = await c.get("/?kind=str")
        assert r.text == "hello" and r.headers["content-type"] == "text/plain; charset=utf-8"
        r = await c.get("/?kind=bytes")
        assert r.content == b"\x00\x01" and r.headers["content-type"] == "application/octet-stream"
        r = await c.get("/?kind=response")
        assert (r.status_code, r.text, r.headers["x-a"]) == (201, "custom", "b")
        r = await c.get("/?kind=none")
        assert r.status_code == 204 and r.content == b""


async def test_arguments_by_name():
    handlers = route("""
async def post(request, params, search_params, cookies, state):
    body = await request.json()
    return {"params": params, "q": search_params.getlist("q"), "c": cookies.get("c"),
            "s": state["pool"], "body": body}
def put(**everything):
    return sorted(everything)
def delete():
    return "deleted"
""")
    async with client(asgi(handlers, {"id": "7", "rest": ["a", "b"]}, {"pool": "P"})) as c:
        r = await c.post("/?q=1&q=2", json={"x": 1}, headers={"cookie": "c=v"})
        assert r.json() == {"params": {"id": "7", "rest": ["a", "b"]}, "q": ["1", "2"], "c": "v",
                            "s": "P", "body": {"x": 1}}
        assert (await c.put("/")).json() == sorted(ROUTE_ARGUMENTS)
        assert (await c.delete("/")).text == "deleted"


async def test_405_with_allow_head_and_options():
    handlers = route("def get(): return 'x'\nasync def post(): return None\n")
    assert handlers.allow == "GET, HEAD, POST, OPTIONS"
    async with client(asgi(handlers)) as c:
        for method in ("PUT", "PATCH", "DELETE", "TRACE", "PROPFIND"):
            r = await c.request(method, "/")
            assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST, OPTIONS"
        r = await c.head("/")
        assert r.status_code == 200 and r.content == b"" and r.headers["content-length"] == "1"
        r = await c.options("/")
        assert r.status_code == 204 and r.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    only_post = route("def post(): return None\n")
    async with client(asgi(only_post)) as c:
        r = await c.head("/")
        assert r.status_code == 405 and r.headers["allow"] == "POST, OPTIONS"


async def test_defined_head_and_options_win():
    handlers = route("""
from starlette.responses import Response
def get(): return "body"
def head(): return Response(headers={"x-head": "own"})
def options(): return Response(status_code=200, headers={"access-control-allow-origin": "*"})
""")
    async with client(asgi(handlers)) as c:
        assert (await c.head("/")).headers["x-head"] == "own"
        r = await c.options("/")
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"


async def test_head_of_a_streamed_get_over_a_real_server(live_server):
    handlers = route("""
from starlette.responses import StreamingResponse
async def chunks():
    yield b"a"
    yield b"b"
def get(): return StreamingResponse(chunks(), media_type="text/plain")
""")
    with live_server(asgi(handlers)) as server:
        assert httpx.get(server.url).text == "ab"
        r = httpx.head(server.url)
        assert r.status_code == 200 and r.content == b""


async def test_redirect_not_found_and_http_exception():
    handlers = route("""
from panes import redirect, not_found
from starlette.exceptions import HTTPException
def get(search_params):
    what = search_params.get("what")
    if what == "redirect": redirect("/login")
    if what == "permanent": redirect("/new", permanent=True)
    if what == "missing": not_found()
    if what == "teapot": raise HTTPException(418, "short and stout", headers={"x-t": "1"})
    if what == "away": redirect("https://example.com/x")
""")
    async with client(asgi(handlers)) as c:
        r = await c.get("/?what=redirect")
        assert r.status_code == 307 and r.headers["location"] == "/login"
        r = await c.get("/?what=permanent")
        assert r.status_code == 308 and r.headers["location"] == "/new"
        assert (await c.get("/?what=missing")).status_code == 404
        r = await c.get("/?what=teapot")
        assert (r.status_code, r.text, r.headers["x-t"]) == (418, "short and stout", "1")
        assert (await c.get("/?what=away")).headers["location"] == "https://example.com/x"


async def test_redirect_stays_inside_the_mount():
    from starlette.applications import Starlette
    from starlette.routing import Mount

    handlers = RouteHandlers.from_functions("app/route.py", {"get": lambda: redirect("/inbox")})
    outer = Starlette(routes=[Mount("/mail", asgi(handlers))])
    async with client(outer) as c:
        r = await c.get("/mail/")
        assert r.status_code == 307 and r.headers["location"] == "/mail/inbox"


async def test_malformed_json_body_is_400():
    handlers = route("""
import json
async def post(request):
    return await request.json()
async def put(request):
    return json.loads(await request.body())
async def patch(request):
    return json.loads('{"upstream": ')  # not the request's body: the server's error
""")
    async with client(asgi(handlers)) as c:
        for body in (b"{not json", b"", b"\xff\xfe\x00", b'{"a": 1', b"[1, 2,]"):
            r = await c.post("/", content=body, headers={"content-type": "application/json"})
            assert r.status_code == 400 and r.text.startswith("Bad Request"), body
            assert (await c.put("/", content=body)).status_code == 400, body
        assert (await c.post("/", json={"ok": True})).json() == {"ok": True}
        assert (await c.patch("/")).status_code == 500


async def test_json_from_a_body_that_is_not_sent_as_json_is_415():
    """A form or a text/plain body, which another site may send without a CORS preflight, is
    never read as JSON (FastAPI's CVE-2021-32677)."""
    handlers = route("async def post(request):\n    return await request.json()\n")
    async with client(asgi(handlers)) as c:
        for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                     None, "application/jsonp", "text/json"):
            headers = {"content-type": kind} if kind else {}
            r = await c.post("/", content=b'{"amount": 100}', headers=headers)
            assert r.status_code == 415 and "application/json" in r.text, kind
        for kind in ("application/json", "application/json; charset=utf-8",
                     "Application/JSON", "application/merge-patch+json"):
            r = await c.post("/", content=b'{"amount": 100}', headers={"content-type": kind})
            assert r.json() == {"amount": 100}, kind


async def test_json_nested_too_deeply_or_too_long_a_number_is_400():
    handlers = route("""
import json
async def post(request):
    return await request.json()
async def put(request):
    return json.loads(await request.body())
""")
    deep = b"[" * 100_000 + b"]" * 100_000
    async with client(asgi(handlers)) as c:
        for body in (deep, b"1" * 5000):  # (Python reads no int of over 4,300 digits)
            for method in ("POST", "PUT"):
                r = await c.request(method, "/", content=body,
                                    headers={"content-type": "application/json"})
                assert r.status_code == 400 and r.text.startswith("Bad Request"), method


CROSS_SITE = {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}
WRITES = """
import calls

async def get(request):
    return calls.DONE
{methods}
"""


@pytest.fixture
def done(tmp_path, monkeypatch):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "calls.py").write_text("DONE = []\n")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    import sys
    sys.modules.pop("calls", None)
    import calls
    yield calls.DONE
    sys.modules.pop("calls", None)


def writes(extra: str = "") -> str:
    return extra + WRITES.replace("{methods}", "".join(
        f"\ndef {m}():\n    calls.DONE.append('{m}')\n"
        for m in ("post", "put", "patch", "delete")))


async def test_a_cross_site_write_with_cookies_never_runs(make_app, client_for, done):
    """The same-origin rule of actions: a post, put, patch or delete that a browser sends from
    another site with the user's cookies is 403 before the handler runs."""
    c = client_for(make_app({"api/route.py": writes()}))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for headers in (CROSS_SITE, {"origin": "https://evil.example"},
                        {"sec-fetch-site": "same-site"}):
            r = await c.request(method, "/api", headers={"cookie": "session=alice", **headers})
            assert r.status_code == 403 and "CROSS_ORIGIN = True" in r.text, (method, headers)
            assert "api/route.py" in r.text
    assert done == []
    # the same site, a request without cookies (a token API), a read: they run
    r = await c.post("/api", headers={"cookie": "session=alice", "origin": "http://test",
                                      "sec-fetch-site": "same-origin"})
    assert r.status_code == 204
    assert (await c.post("/api", headers=CROSS_SITE)).status_code == 204
    assert (await c.delete("/api", headers={"cookie": "session=alice"})).status_code == 204
    r = await c.get("/api", headers={"cookie": "session=alice", **CROSS_SITE})
    assert r.json() == done == ["post", "post", "delete"]


async def test_cross_origin_true_lets_a_route_file_take_other_sites_writes(make_app, client_for,
                                                                          done):
    c = client_for(make_app({"api/route.py": writes("CROSS_ORIGIN = True\n"),
                             "own/route.py": writes()}))
    r = await c.put("/api", headers={"cookie": "session=alice", **CROSS_SITE})
    assert r.status_code == 204 and done == ["put"]
    r = await c.put("/own", headers={"cookie": "session=alice", **CROSS_SITE})
    assert r.status_code == 403 and done == ["put"]  # only the file that says so


def test_cross_origin_of_the_wrong_kind_is_a_check_error(tmp_path):
    from conftest import write_app

    from panes.appdir.check import analyze

    analysis = analyze(write_app(tmp_path / "app", {
        "api/route.py": "CROSS_ORIGIN = 'yes'\n\ndef post():\n    return None\n"}))
    [error] = analysis.errors
    assert error.path == "app/api/route.py" and "CROSS_ORIGIN = 'yes'" in error.message
    assert "True or False" in error.message and "CROSS_ORIGIN = True" in error.fix


async def test_an_exception_is_500_without_traceback(caplog):
    handlers = route("def get():\n    raise RuntimeError('db password is hunter2')\n")
    caplog.set_level(logging.ERROR, "panes")
    async with client(asgi(handlers)) as c:
        r = await c.get("/")
        assert r.status_code == 500 and "hunter2" not in r.text and "Traceback" not in r.text
        digest = r.text.split("digest ")[1].rstrip(")")
    assert any(digest in rec.getMessage() and "app/api/route.py" in rec.getMessage()
               for rec in caplog.records)
    async with client(asgi(handlers, dev=True)) as c:
        r = await c.get("/")
        assert r.status_code == 500 and "hunter2" in r.text and "Traceback" in r.text


async def test_an_unknown_return_value_is_500_naming_the_file(caplog):
    handlers = route("def get():\n    return 3.5\n")
    async with client(asgi(handlers, dev=True)) as c:
        r = await c.get("/")
        assert r.status_code == 500 and "get() in app/api/route.py returned float" in r.text


async def test_unserialisable_json_is_500():
    handlers = RouteHandlers.from_functions("app/route.py", {"get": lambda: {"x": object()}})
    async with client(asgi(handlers)) as c:
        assert (await c.get("/")).status_code == 500


async def test_cookies_set_by_a_handler_are_sent_even_with_an_outcome():
    handlers = route("""
from panes import redirect
def post(cookies):
    cookies.set("session", "abc")
    redirect("/inbox")
def delete(cookies):
    cookies.delete("session")
""")
    async with client(asgi(handlers), base="https://test") as c:
        r = await c.post("/")
        assert r.status_code == 307
        header = r.headers["set-cookie"]
        assert header.startswith("session=abc") and "HttpOnly" in header and "Secure" in header
        r = await c.delete("/")
        assert r.status_code == 204 and "Max-Age=0" in r.headers["set-cookie"]


async def test_background_tasks_and_streaming_run():
    ran = []

    async def chunks():
        yield b"1"
        yield b"2"

    handlers = RouteHandlers.from_functions("app/route.py", {
        "get": lambda: PlainTextResponse("x", background=BackgroundTask(ran.append, "done")),
        "post": lambda: StreamingResponse(chunks()),
    })
    async with client(asgi(handlers)) as c:
        await c.get("/")
        assert ran == ["done"]
        assert (await c.post("/")).text == "12"


def test_json_encoder():
    @dataclasses.dataclass
    class Point:
        x: int

    data = {"when": datetime.datetime(2024, 1, 2, 3, 4, 5), "p": Point(1), 1: "int key"}
    assert json.loads(json_bytes(data)) == {"when": "2024-01-02T03:04:05", "p": {"x": 1}, "1": "int key"}
    assert json_bytes({"é": "ü"}) == '{"é":"ü"}'.encode()


def test_load_route_problems():
    _, problems = load_route(module("def GET(): pass\n"), "app/api/route.py")
    assert "lowercase" in problems[0].message and "def get" in problems[0].fix
    _, problems = load_route(module("def get(form): pass\n"), "app/api/route.py")
    assert "unknown argument 'form'" in problems[0].message and "search_params" in problems[0].fix
    _, problems = load_route(module("def get(request, /): pass\n"), "app/api/route.py")
    assert "by position" in problems[0].message
    _, problems = load_route(module("x = 1\n"), "app/api/route.py")
    assert "no method function" in problems[0].message
    handlers, problems = load_route(module("def get(**kw): pass\ndef post(): pass\n"), "f")
    assert not problems and handlers is not None and set(handlers) == {"get", "post"}
    assert METHODS == ("get", "head", "post", "put", "patch", "delete", "options")


async def test_raises_http_exception_from_form_parsing():
    """A malformed multipart body: Starlette's own 400, not a 500."""
    handlers = route("async def post(request):\n    return dict(await request.form())\n")
    async with client(asgi(handlers)) as c:
        r = await c.post("/", content=b"--x\r\nbroken", headers={"content-type": "multipart/form-data"})
        assert r.status_code == 400 and "boundary" in r.text


def test_not_found_outside_a_handler_raises_the_panes_outcome():
    from panes import NotFound

    assert HTTPException(404).status_code == 404
    with pytest.raises(NotFound):
        not_found()
