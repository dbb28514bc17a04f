"""The cookies argument: reading what the browser sent, setting with safe defaults, and a clear
error where cookies cannot be set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from panes.render.cookies import CookieError, Cookies, cookies_for, parse_cookie_header

pytestmark = pytest.mark.anyio


def request(cookie: str | list[str] | None = None, scheme: str = "http") -> Request:
    headers = []
    for value in [cookie] if isinstance(cookie, str) else cookie or []:
        headers.append((b"cookie", value.encode("latin-1")))
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers,
                    "scheme": scheme, "server": ("test", 80), "query_string": b""})


def set_cookies(response) -> list[str]:
    return [v.decode("latin-1") for k, v in response.raw_headers if k == b"set-cookie"]


def test_reading():
    cookies = cookies_for(request('session=abc; theme="dark mode"; empty='))
    assert cookies.get("session") == "abc"
    assert cookies["theme"] == "dark mode"
    assert cookies.get("empty") == ""
    assert cookies.get("missing") is None and cookies.get("missing", "x") == "x"
    with pytest.raises(KeyError):
        cookies["missing"]
    assert "session" in cookies and "missing" not in cookies
    assert sorted(cookies) == ["empty", "session", "theme"] and len(cookies) == 3
    assert dict(cookies.items())["session"] == "abc"


def test_no_cookie_header():
    cookies = cookies_for(request())
    assert cookies.get("a") is None and list(cookies) == []


def test_split_cookie_headers_and_repeated_names():
    cookies = cookies_for(request(["a=1; b=2", "c=3; a=4"]))
    assert dict(cookies) == {"a": "1", "b": "2", "c": "3"}  # the first (most specific) wins


@pytest.mark.parametrize("header", [
    ";;;", "=", "=value", "novalue", "a", "a=b=c", ' a = "unterminated', 'x="\\', "\x00=\x01",
    "a=\xff\xfe", "; a=1 ;", "a=" + '"' * 100, "\\=\\",
])
def test_malformed_headers_never_raise(header):
    parsed = parse_cookie_header(header)
    assert isinstance(parsed, dict)
    cookies_for(request(header)).get("a")


def test_malformed_values():
    assert parse_cookie_header("a=b=c") == {"a": "b=c"}
    assert parse_cookie_header("=x; novalue; b=2") == {"b": "2"}
    assert parse_cookie_header('q="a\\"b"') == {"q": 'a"b'}


def test_an_8kb_cookie_header():
    header = "; ".join(f"c{i}={'v' * 60}" for i in range(130))
    assert len(header) > 8192
    cookies = cookies_for(request(header))
    assert len(cookies) == 130 and cookies["c129"] == "v" * 60
    big = "big=" + "x" * 8192
    assert cookies_for(request(big))["big"] == "x" * 8192


def test_set_has_safe_defaults():
    req = request()
    cookies = cookies_for(req)
    cookies.set("session", "abc")
    response = cookies.apply(PlainTextResponse("ok"))
    (header,) = set_cookies(response)
    assert header.startswith("session=abc;")
    assert "HttpOnly" in header and "SameSite=lax" in header and "Path=/" in header
    assert "Secure" not in header


def test_secure_when_the_request_is_https():
    cookies = cookies_for(request(scheme="https"))
    cookies.set("session", "abc")
    (header,) = set_cookies(cookies.apply(PlainTextResponse("")))
    assert "Secure" in header
    cookies.set("plain", "x", secure=False)
    (header,) = set_cookies(cookies.apply(PlainTextResponse("")))
    assert "Secure" not in header


def test_secure_implied_by_samesite_none_and_prefixes():
    cookies = cookies_for(request())
    cookies.set("embed", "1", samesite="none")
    cookies.set("__Host-id", "1")
    cookies.set("__Secure-id", "1")
    headers = set_cookies(cookies.apply(PlainTextResponse("")))
    assert all("Secure" in h for h in headers) and len(headers) == 3
    with pytest.raises(CookieError, match="__Host-"):
        cookies.set("__Host-x", "1", path="/app")
    with pytest.raises(CookieError, match="__Host-"):
        cookies.set("__Host-x", "1", domain="example.com")


def test_set_options():
    cookies = cookies_for(request())
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    cookies.set("a", "1", max_age=timedelta(hours=1), expires=when, path="/mail",
                domain="example.com", httponly=False, samesite="strict")
    (header,) = set_cookies(cookies.apply(PlainTextResponse("")))
    assert "Max-Age=3600" in header and "Path=/mail" in header and "Domain=example.com" in header
    assert "expires=Wed, 02 Jan 2030 03:04:05 GMT" in header
    assert "HttpOnly" not in header and "SameSite=strict" in header


def test_delete():
    cookies = cookies_for(request("session=abc"))
    cookies.delete("session")
    assert cookies.get("session") is None and "session" not in cookies
    (header,) = set_cookies(cookies.apply(PlainTextResponse("")))
    assert header.startswith('session="";') and "Max-Age=0" in header and "Path=/" in header


def test_reads_see_what_was_set_and_apply_writes_each_once():
    req = request("a=1")
    handler_view, middleware_view = cookies_for(req), cookies_for(req)
    handler_view.set("b", "2")
    assert middleware_view.get("b") == "2" and dict(middleware_view) == {"a": "1", "b": "2"}
    inner = handler_view.apply(PlainTextResponse(""))
    outer = middleware_view.apply(PlainTextResponse(""))
    assert len(set_cookies(inner)) == 1 and set_cookies(outer) == []
    assert middleware_view["b"] == "2" and not middleware_view.pending
    handler_view.set("b", "3")
    handler_view.set("b", "4")  # the last set of the same cookie wins
    assert [h.split(";")[0] for h in set_cookies(handler_view.apply(PlainTextResponse("")))] == ["b=4"]


def test_values_that_need_quoting_round_trip():
    cookies = cookies_for(request())
    cookies.set("msg", 'hello, "world"; é')
    (header,) = set_cookies(cookies.apply(PlainTextResponse("")))
    value = header.split(";", 1)[0]  # quoted, as Python writes it
    assert parse_cookie_header(value)["msg"] == 'hello, "world"; é'


@pytest.mark.parametrize("name", ["", "a b", "a;b", "a=b", "é", "a\n", "a,b"])
def test_invalid_names_are_refused(name):
    with pytest.raises(CookieError, match="not a valid cookie name"):
        cookies_for(request()).set(name, "x")


def test_invalid_values_and_options():
    cookies = cookies_for(request())
    with pytest.raises(TypeError, match="must be a str"):
        cookies.set("a", 1)  # type: ignore[arg-type]
    with pytest.raises(CookieError, match="samesite"):
        cookies.set("a", "1", samesite="sometimes")  # type: ignore[arg-type]
    with pytest.raises(CookieError, match="4096"):
        cookies.set("a", "x" * 5000)
    with pytest.raises(CookieError, match="Latin-1"):
        cookies.set("a", "ok ✓")
    with pytest.raises(CookieError, match="control"):
        cookies.set("a", "1", expires="Wed, 1 Jan 2031\r\nX-Evil: 1")
    with pytest.raises(CookieError, match="path"):
        cookies.set("a", "1", path="/x; Domain=evil.com")
    with pytest.raises(CookieError, match="domain"):
        cookies.set("a", "1", domain="evil.com; x")
    assert not cookies.pending


def test_read_only_names_the_file():
    cookies = cookies_for(request("a=1"), read_only="app/inbox/page.py")
    assert cookies.read_only and cookies["a"] == "1"
    with pytest.raises(CookieError) as raised:
        cookies.set("a", "2")
    message = str(raised.value)
    assert "app/inbox/page.py" in message and "action()" in message
    assert "route.py" in message and "middleware" in message
    with pytest.raises(CookieError, match="cookies.delete"):
        cookies.delete("a")
    with pytest.raises(CookieError, match="cannot be called here"):
        cookies_for(request(), read_only="").set("a", "1")


async def test_over_asgi():
    """A Starlette endpoint that reads and sets, through a real client's cookie jar."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    async def login(request):
        cookies = cookies_for(request)
        seen = cookies.get("session")
        cookies.set("session", "s3cr3t")
        return cookies.apply(PlainTextResponse(f"was {seen}"))

    app = Starlette(routes=[Route("/", login)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://test") as c:
        assert (await c.get("/")).text == "was None"
        r = await c.get("/")
        assert r.text == "was s3cr3t" and "Secure" in r.headers["set-cookie"]
        r = await c.get("/", headers={"cookie": "; ".join(f"k{i}={'v' * 70}" for i in range(120))})
        assert r.status_code == 200


def test_repr_and_type():
    cookies = cookies_for(request("a=1"), read_only="app/page.py")
    assert isinstance(cookies, Cookies) and "read-only" in repr(cookies)
