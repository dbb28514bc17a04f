"""Bad input never makes a 500, and never reads or serves a file from outside the app.

Paths with ``..``, ``%2e%2e``, ``%00``, ``//``, invalid percent-escapes or invalid UTF-8, a 10 KB
path, a query with 10,000 parameters, garbage headers: a 400 or 404 (or uvicorn's own 400 when
it refuses the request before panes sees it), never a 500, never the content of a secret file.
Over a real uvicorn the requests are written by hand on a socket, since httpx and browsers
normalise ``..`` and ``//`` away. A hypothesis property sends random raw paths to the same app
in process (hand-built ASGI scopes, so arbitrary bytes reach panes): no 500, the same answer
twice. Then the 500 page: no traceback under ``panes start`` (it goes to the log), the traceback
under ``panes dev``; an ``error.py`` beside the failing page keeps the status 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import pytest
from conftest import LiveServer, free_port, write_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panes import App
from panes.core.errors import BadRequest
from panes.core.match import split_path

OUTSIDE = "PANES-OUTSIDE-SECRET-" + uuid.uuid4().hex
INSIDE = "PANES-INSIDE-SECRET-" + uuid.uuid4().hex
CRASH = "kaboom" + uuid.uuid4().hex  # the message of the exception user code raises

LAYOUT = """
from markupsafe import Markup

def layout(children, side):
    return (Markup('<html><body><main>') + children + Markup('</main><aside>') + side
            + Markup('</aside></body></html>'))
"""

# The app every test of this module shares: a root layout with a slot, a static page, a dynamic
# page and a catch-all that echo their parameters, a page that echoes what the request carries,
# and a raising page with its error.py (so that nothing in this app legitimately answers 500).
FIXTURE_APP = {
    "layout.py": LAYOUT,
    "@side/default.py": "def default():\n    return 'side-default'\n",
    "page.py": "def page():\n    return 'home-page'\n",
    "about/page.py": "def page():\n    return 'about-page'\n",
    "items/[id]/page.py": "def page(params):\n    return 'item=' + repr(params['id'])\n",
    "docs/[...slug]/page.py": "def page(params):\n    return 'slug=' + repr(params['slug'])\n",
    "whoami/page.py": """
        def page(request, search_params):
            return ('whoami ' + str(request.url) + ' ' + repr(dict(request.cookies))
                    + ' ' + repr(request.headers.get('x-junk')) + ' ' + repr(search_params))
    """,
    "boom/page.py": f"def page():\n    raise RuntimeError({CRASH!r})\n",
    "boom/error.py": "def error(error):\n    return 'boom-boundary'\n",
    "_data/page.py": f"def page():\n    return {INSIDE!r}\n",
    "_data/secret.txt": INSIDE + "\n",
}


@dataclass(frozen=True)
class Fixture:
    app: App
    app_dir: Path
    secret: Path  # outside the app directory


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    root = tmp_path_factory.mktemp("bad_input")
    secret = root / "secret.txt"
    secret.write_text(OUTSIDE + "\n")
    app_dir = write_app(root / "app", FIXTURE_APP)
    return Fixture(App(app_dir), app_dir, secret)


@pytest.fixture(scope="module")
def server(fixture: Fixture) -> Iterator[LiveServer]:
    with LiveServer(fixture.app) as live:
        yield live


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- raw HTTP over a socket ---------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: the server closed the connection without answering
    head: bytes
    body: bytes

    @property
    def raw(self) -> bytes:
        return self.head + b"\r\n\r\n" + self.body

    def header(self, name: str) -> str | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name.lower().encode():
                return value.strip().decode("latin-1")
        return None


def send_raw(port: int, request: bytes, timeout: float = 10) -> Answer:
    """Write ``request`` as is, read until the server closes, parse the status line."""
    chunks: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # it may answer and close before reading it all
            sock.sendall(request)
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return Answer(int(match.group(1)) if match else None, head, body)


def get(port: int, target: bytes, headers: bytes = b"Host: x\r\n", method: bytes = b"GET",
        body: bytes = b"") -> Answer:
    request = method + b" " + target + b" HTTP/1.1\r\n" + headers + b"Connection: close\r\n"
    return send_raw(port, request + b"\r\n" + body)


def assert_safe(answer: Answer, allowed: set[int], *, may_close: bool = False) -> None:
    assert answer.status != 500, answer.raw[:2000]
    if answer.status is None:
        assert may_close, f"no answer at all: {answer.raw[:200]!r}"
    else:
        assert answer.status in allowed, answer.raw[:2000]
    assert OUTSIDE.encode() not in answer.raw
    assert INSIDE.encode() not in answer.raw
    assert b"Traceback" not in answer.raw


# --- the fixture app works, so that its 404s mean something -------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (b"/", b"home-page"),
        (b"/about", b"about-page"),
        (b"/items/42", b"item=&#39;42&#39;"),
        (b"/docs/a/b/c", b"slug=[&#39;a&#39;, &#39;b&#39;, &#39;c&#39;]"),
        (b"/boom", b"boom-boundary"),
    ],
)
def test_fixture_app_serves_its_pages(server: LiveServer, target: bytes, expected: bytes) -> None:
    answer = get(server.port, target)
    assert answer.status == 200, answer.raw[:2000]
    assert expected in answer.body
    assert b"side-default" in answer.body
    assert OUTSIDE.encode() not in answer.raw


def test_private_folder_is_not_routed(server: LiveServer) -> None:
    for target in (b"/_data", b"/_data/secret.txt", b"/_data/page.py", b"/%5Fdata"):
        assert_safe(get(server.port, target), {404})


# --- bad paths over a real uvicorn --------------------------------------------------------


def _traversals(secret: Path) -> list[bytes]:
    absolute = str(secret).lstrip("/").encode()
    return [
        b"/a/../../secret.txt",
        b"/../secret.txt",
        b"/../../../../../../../../../../" + absolute,
        b"/" + b"%2e%2e/" * 12 + absolute,
        b"/%2e%2e/%2e%2e/secret.txt",
        b"/%2E%2E/secret.txt",
        b"/.%2e/.%2e/secret.txt",
        b"/%2e%2e%2f%2e%2e%2fsecret.txt",
        b"/%2e%2e%2f" * 12 + absolute.replace(b"/", b"%2f"),
        b"/..%2f..%2fsecret.txt",
        b"/..%5c..%5csecret.txt",
        b"/..\\..\\secret.txt",
        b"/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt",  # an overlong UTF-8 "..": invalid
        b"/about/../../secret.txt",
        b"/about/%2e%2e/%2e%2e/secret.txt",
        b"/_data/../_data/secret.txt",
    ]


BAD_PATHS = [
    b"/%00",
    b"/secret.txt%00.html",
    b"/about%00",
    b"/about/%00",
    b"//",
    b"//secret.txt",
    b"//etc/passwd",
    b"/a//b",
    b"/about//x",
    b"/%zz",
    b"/%",
    b"/%2",
    b"/about%zz",
    b"/%ff",
    b"/%c3%28",
    b"/%ed%a0%80",  # an encoded surrogate: invalid UTF-8
    b"/%e2%82",  # a truncated sequence
    b"/%0a",
    b"/%0d%0aSet-Cookie:%20x=y",
    b"/%7f",
    b"/" + b"a" * 10 * 1024,
    b"/" + b"a/" * 5 * 1024 + b"a",
    b"/" + b"%2e%2e/" * 2000,
]


def test_traversal_paths_are_400_or_404(server: LiveServer, fixture: Fixture) -> None:
    for target in _traversals(fixture.secret):
        answer = get(server.port, target)
        assert_safe(answer, {400, 404}, may_close=True)
        assert get(server.port, target).status == answer.status, target


@pytest.mark.parametrize("target", BAD_PATHS, ids=lambda t: repr(t[:40]))
def test_bad_paths_are_400_or_404(server: LiveServer, target: bytes) -> None:
    answer = get(server.port, target)
    assert_safe(answer, {400, 404}, may_close=True)
    assert get(server.port, target).status == answer.status


@pytest.mark.parametrize(
    ("target", "status"),
    [
        (b"/%ff", 400),
        (b"/%c3%28", 400),
        (b"/%00", 400),
        (b"/" + b"a" * 10 * 1024, 400),
        (b"/%zz", 400),
        (b"/%", 400),
        (b"//", 404),
        (b"/a//b", 404),
        (b"/%2e%2e", 400),
        (b"/a/../../secret.txt", 400),
    ],
    ids=lambda t: repr(t[:30]) if isinstance(t, bytes) else str(t),
)
def test_bad_paths_exact_status(server: LiveServer, target: bytes, status: int) -> None:
    """These reach panes (uvicorn forwards them); panes itself picks the status."""
    assert get(server.port, target).status == status


def test_raw_bytes_in_path_are_refused(server: LiveServer) -> None:
    """Bytes a client must percent-encode: uvicorn refuses them, or panes answers 400/404."""
    for target in (b"/\xff", b"/caf\xc3\xa9", b"/\xc3\x28", b"/a\x00b", b"/a\x7fb", b"/a b",
                   b"/\x1b[31m"):
        assert_safe(get(server.port, target), {400, 404}, may_close=True)


def test_query_with_10000_parameters(server: LiveServer) -> None:
    query = b"&".join(b"p%d=%d" % (i, i) for i in range(10_000))
    for target in (b"/about?" + query, b"/whoami?" + query, b"/nowhere?" + query,
                   b"/about/?" + query, b"/about?" + b"a=1&" * 10_000):
        assert_safe(get(server.port, target), {400, 404}, may_close=True)


def test_query_with_10000_parameters_reaches_panes(server: LiveServer) -> None:
    """Short enough for uvicorn to forward (20 KB): panes itself answers 400."""
    for target in (b"/about?" + b"a&" * 10_000, b"/about/?" + b"a&" * 10_000,
                   b"/items/1?" + b"a&" * 10_000):
        answer = get(server.port, target)
        assert answer.status == 400, answer.raw[:2000]
        assert b"too many query parameters" in answer.body
        assert_safe(answer, {400})


@pytest.mark.parametrize(
    "query",
    [b"%ff=%fe", b"a=%zz&%=%", b"a=%00%0d%0a", b"&&&==&=", b"a" * 20_000, b"a[]=1&a[b]=2",
     b"a=" + b"%2e%2e%2f" * 50 + b"secret.txt"],
    ids=lambda q: repr(q[:20]),
)
def test_odd_queries_render(server: LiveServer, query: bytes) -> None:
    answer = get(server.port, b"/whoami?" + query)
    assert_safe(answer, {200}, may_close=True)


def test_absolute_form_targets(server: LiveServer) -> None:
    for target in (b"http://127.0.0.1/../secret.txt", b"http://evil.com//etc/passwd",
                   b"file:///etc/passwd", b"*", b"about", b"../secret.txt"):
        assert_safe(get(server.port, target), {400, 404}, may_close=True)


GARBAGE_HEADERS = [
    b"X-Junk: \x01\x02\xff\xfe\x80\r\n",
    b"X-Junk: " + bytes(range(0x80, 0x100)) + b"\r\n",
    b"Cookie: \xff\xfe=\x00; ;;; =; a=\"unterminated; b\r\n",
    b"Cookie: " + b"a=b; " * 2000 + b"\r\n",
    b"NoColonHeader\r\n",
    b": no-name\r\n",
    b"X Junk: space in name\r\n",
    b"X-Junk: " + b"x" * 60_000 + b"\r\n",
    b"Content-Length: -1\r\n",
    b"Content-Length: abc\r\n",
    b"Content-Length: 5\r\nContent-Length: 6\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: gzip, chunked, chunked\r\n",
    b"X-Forwarded-For: \xff\r\nForwarded: for=\"[::\r\n",
]


@pytest.mark.parametrize("headers", GARBAGE_HEADERS, ids=lambda h: repr(h[:24]))
@pytest.mark.parametrize("target", [b"/whoami", b"/nowhere"])
def test_garbage_headers(server: LiveServer, headers: bytes, target: bytes) -> None:
    answer = get(server.port, target, headers=b"Host: x\r\n" + headers, body=b"zz\r\n\r\n")
    assert_safe(answer, {200, 400, 404} if target == b"/whoami" else {400, 404}, may_close=True)


@pytest.mark.parametrize("host", [b"\xff\xfe", b"[", b"[::1", b"a b", b"evil.com/../x", b"",
                                  b"x" * 5000, b"127.0.0.1:99999", b"-"])
def test_garbage_host(server: LiveServer, host: bytes) -> None:
    answer = get(server.port, b"/whoami", headers=b"Host: " + host + b"\r\n")
    assert_safe(answer, {200, 400}, may_close=True)
    answer = get(server.port, b"/about/", headers=b"Host: " + host + b"\r\n")
    assert_safe(answer, {308, 400}, may_close=True)
    if answer.status == 308:
        assert answer.header("location") == "/about"


# --- dot segments and invalid escapes where a parameter would take them -------------------

# Each is put where a dynamic segment or a catch-all would match it. Next.js never hands a page
# a dot segment (the URL parser resolves ``..``/``%2e%2e`` away) and answers 400 for an invalid
# escape (decodeURIComponent throws); the issue asks for 400 or 404.
def _dot_case(segment: bytes) -> object:
    return pytest.param(segment, id=segment.decode())


DOT_OR_INVALID_SEGMENTS = [
    _dot_case(b".."),
    _dot_case(b"."),
    _dot_case(b"%2e%2e"),
    _dot_case(b"%2E%2e"),
    _dot_case(b".%2e"),
    _dot_case(b"%2e"),
    _dot_case(b"%zz"),
    _dot_case(b"%"),
    _dot_case(b"%2"),
    _dot_case(b"%00"),
    _dot_case(b"%ff"),
    _dot_case(b"%c3%28"),
    _dot_case(b"%c0%ae%c0%ae"),
]


@pytest.mark.parametrize("segment", DOT_OR_INVALID_SEGMENTS)
def test_dot_or_invalid_segment_in_dynamic_position(server: LiveServer, segment: bytes) -> None:
    for target in (b"/items/" + segment, b"/docs/" + segment, b"/docs/a/" + segment + b"/b",
                   b"/docs/" + segment + b"/" + segment + b"/secret.txt"):
        assert_safe(get(server.port, target), {400, 404}, may_close=True)


def test_encoded_slash_stays_inside_a_parameter(server: LiveServer) -> None:
    """``%2F`` stays inside its segment (the contract): the page gets the literal text."""
    answer = get(server.port, b"/items/%2e%2e%2fsecret.txt")
    assert_safe(answer, {200})
    assert b"item=&#39;../secret.txt&#39;" in answer.body
    answer = get(server.port, b"/docs/a%2fb/c")
    assert_safe(answer, {200})
    assert b"slug=[&#39;a/b&#39;, &#39;c&#39;]" in answer.body


# --- the trailing-slash redirect is not an open redirect ----------------------------------


def _assert_same_origin(location: str | None) -> None:
    assert location is not None
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/"), location
    assert location[1:2] not in ("/", "\\"), location


def test_trailing_slash_redirects(server: LiveServer) -> None:
    answer = get(server.port, b"/about/")
    assert answer.status == 308
    assert answer.header("location") == "/about"
    answer = get(server.port, b"/about/?q=1&r=%2F")
    assert answer.status == 308
    assert answer.header("location") == "/about?q=1&r=%2F"


@pytest.mark.parametrize(
    "target",
    [b"//evil.com/", b"//evil.com", b"///evil.com/", b"//evil.com/about/", b"/\\evil.com/",
     b"/\\/evil.com/", b"/%2F%2Fevil.com/", b"/%2f/evil.com/", b"/%5C%5Cevil.com/",
     b"/%5c/evil.com/", b"//evil.com/%2e%2e/", b"//%65vil.com/", b"/.//evil.com/",
     b"/..//evil.com/", b"//evil.com?x/", b"/%09/evil.com/", b"/http:%2F%2Fevil.com/",
     b"/https:/evil.com/"],
    ids=lambda t: repr(t),
)
def test_no_open_redirect(server: LiveServer, target: bytes) -> None:
    answer = get(server.port, target)
    assert_safe(answer, {308, 400, 404}, may_close=True)
    if answer.status == 308:
        _assert_same_origin(answer.header("location"))
    location = answer.header("location") or ""
    assert "//evil.com" not in location and "\\evil.com" not in location


# --- methods ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [b"POST", b"PUT", b"DELETE", b"PATCH"])
def test_other_methods_are_405_with_allow(server: LiveServer, method: bytes) -> None:
    answer = get(server.port, b"/about", method=method,
                 headers=b"Host: x\r\nContent-Length: 3\r\n", body=b"a=1")
    assert answer.status == 405, answer.raw[:500]
    allow = {m.strip() for m in (answer.header("allow") or "").split(",")}
    assert {"GET", "HEAD"} <= allow


def test_post_is_405_in_process(fixture: Fixture) -> None:
    status, headers, _ = run(call(fixture.app, b"/items/1", method="POST"))
    assert status == 405
    assert "GET" in headers["allow"]


def test_head_has_no_body(server: LiveServer) -> None:
    answer = get(server.port, b"/about", method=b"HEAD")
    assert answer.status == 200
    assert answer.body == b""


# --- the property: random raw paths, in process -------------------------------------------


async def call(app: App, raw_path: bytes, query: bytes = b"", method: str = "GET",
               headers: list[tuple[bytes, bytes]] | None = None,
               ) -> tuple[int, dict[str, str], bytes]:
    """One request through the ASGI interface, with a hand-built scope."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path.decode("latin-1"), encoding="utf-8", errors="replace"),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": headers if headers is not None else [(b"host", b"test")],
        "server": ("test", 80),
        "client": ("127.0.0.1", 12345),
    }
    messages: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    raw_headers: list[tuple[bytes, bytes]] = start["headers"]  # type: ignore[assignment]
    body = b"".join(m.get("body", b"") for m in messages  # type: ignore[misc]
                    if m["type"] == "http.response.body")
    found = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw_headers}
    return int(start["status"]), found, body  # type: ignore[call-overload]


def run(coro: object) -> tuple[int, dict[str, str], bytes]:
    return asyncio.run(coro)  # type: ignore[arg-type]


_PERCENT = st.builds(lambda a, b: "%" + a + b,
                     st.sampled_from("0123456789abcdefABCDEFgz%/ ."),
                     st.sampled_from("0123456789abcdefABCDEFgz%/ ."))
_ASCII_SEGMENT = st.text(alphabet="abcdefxyz0123456789-_.~!$&'()*+,;=:@", max_size=8)
_KNOWN = st.sampled_from([
    "", ".", "..", "...", "%2e", "%2e%2e", "%2E%2E", ".%2e", "about", "items", "docs", "boom",
    "whoami", "_data", "secret.txt", "page.py", "%2f", "%2F", "%5c", "\\", "%00", "%zz", "%",
    "%ff", "%c3%28", "%c3%a9", "%e2%82%ac", "%f0%9f%98%80", "%ed%a0%80", "%c0%ae", "%25",
    "%3f", "%23", "#", "%0a", "%7f", "[id]", "[...slug]", "(group)", "@side", "%40side",
])
_ASCII_PIECE = st.one_of(_ASCII_SEGMENT, _KNOWN, st.lists(_PERCENT, max_size=3).map("".join))
_ASCII_SEGMENTS = st.lists(st.lists(_ASCII_PIECE, min_size=1, max_size=3).map("".join),
                           max_size=8)
_UNICODE = st.text(max_size=6).map(lambda s: s.encode("utf-8", "surrogatepass"))
_BYTES_PIECE = st.one_of(_ASCII_PIECE.map(str.encode), _UNICODE, st.binary(max_size=6))
_BYTES_SEGMENTS = st.lists(st.lists(_BYTES_PIECE, min_size=1, max_size=3).map(b"".join),
                           max_size=8)


@st.composite
def ascii_paths(draw: st.DrawFn) -> bytes:
    segments = draw(_ASCII_SEGMENTS)
    path = "/" + "/".join(segments)
    if draw(st.booleans()):
        path += "/"
    return path.encode()


@st.composite
def raw_paths(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.binary(max_size=40))  # anything at all, even without a leading /
    if choice <= 3:
        return draw(ascii_paths())
    path = b"/" + b"/".join(draw(_BYTES_SEGMENTS))
    if draw(st.booleans()):
        path += b"/"
    return path


_PROPERTY = settings(max_examples=300, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


@_PROPERTY
@given(raw_path=raw_paths(), query=st.sampled_from([b"", b"a=1", b"a=1&a=2&b=%ff", b"%zz"]))
def test_random_paths_never_500_and_answer_the_same_twice(fixture: Fixture, raw_path: bytes,
                                                          query: bytes) -> None:
    first = run(call(fixture.app, raw_path, query))
    second = run(call(fixture.app, raw_path, query))
    status, headers, body = first
    assert status != 500, (raw_path, body[:2000])
    assert status in {200, 308, 400, 404}, (raw_path, status)
    assert (second[0], second[1].get("location"), second[2]) == (
        status, headers.get("location"), body)
    assert OUTSIDE.encode() not in body and INSIDE.encode() not in body
    assert b"Traceback" not in body
    if status == 308:
        _assert_same_origin(headers.get("location"))


@_PROPERTY
@given(raw_path=ascii_paths())
def test_trailing_slash_redirect_keeps_the_path(fixture: Fixture, raw_path: bytes) -> None:
    """A 308 sends an ASCII path to itself without its trailing slash, nothing else.

    (No raw ``?`` here: an ASGI server splits the query off before ``raw_path``.)
    """
    status, headers, _ = run(call(fixture.app, raw_path))
    try:
        split_path(raw_path)
    except BadRequest:
        assert status == 400, raw_path
        return
    redirects = raw_path.endswith(b"/") and raw_path != b"/" and b"//" not in raw_path
    assert (status == 308) == redirects, (raw_path, status)
    if not redirects:
        return
    location = headers["location"]
    _assert_same_origin(location)
    assert raw_path.endswith(b"/")
    assert unquote_to_bytes(location) == unquote_to_bytes(raw_path[:-1])


_QUERY_CHARS = "abcxyz0123456789=&+%;.-_~!$'()*,/:?@[]"


@_PROPERTY
@given(raw_path=st.sampled_from([b"/", b"/about", b"/about/", b"/items/1", b"/whoami",
                                 b"/whoami/", b"/docs/a/b", b"/nowhere", b"/%ff"]),
       query=st.text(alphabet=_QUERY_CHARS, max_size=60).map(str.encode))
def test_random_queries_never_500(fixture: Fixture, raw_path: bytes, query: bytes) -> None:
    first = run(call(fixture.app, raw_path, query))
    assert first[0] in {200, 308, 400, 404}, (raw_path, query, first[2][:2000])
    second = run(call(fixture.app, raw_path, query))
    assert (first[0], first[2]) == (second[0], second[2])


def test_too_many_query_parameters_in_process(fixture: Fixture) -> None:
    query = b"&".join(b"p%d=%d" % (i, i) for i in range(10_000))
    for path in (b"/about", b"/about/", b"/nowhere", b"/whoami"):
        status, _, body = run(call(fixture.app, path, query))
        assert status == 400, (path, body[:500])


def test_raw_non_utf8_query_on_trailing_slash_url(fixture: Fixture) -> None:
    status, _, _ = run(call(fixture.app, b"/about/", b"q=\xff"))
    assert status == 400


def test_raw_non_utf8_query_on_plain_url(fixture: Fixture) -> None:
    status, _, body = run(call(fixture.app, b"/about", b"q=\xff"))
    assert status in {200, 400}
    assert OUTSIDE.encode() not in body


def test_raw_non_utf8_query_reaching_request_url(fixture: Fixture) -> None:
    status, _, _ = run(call(fixture.app, b"/whoami", b"q=\xff"))
    assert status in {200, 400}


def test_trailing_slash_redirect_of_raw_utf8_path(fixture: Fixture) -> None:
    status, headers, _ = run(call(fixture.app, "/café/".encode()))
    assert status == 308
    assert unquote_to_bytes(headers["location"]) == "/café".encode()


# --- the 500 page -------------------------------------------------------------------------


CRASH_APP = {
    "layout.py": LAYOUT,
    "@side/default.py": "def default():\n    return 'side-default'\n",
    "page.py": "def page():\n    return 'home-page'\n",
    "crash/page.py": f"def page():\n    raise RuntimeError({CRASH!r})\n",
    "@side/crash/page.py": "def page():\n    return 'side-of-crash'\n",
    "main/page.py": "def page():\n    return 'main-content'\n",
    "@side/main/page.py": f"def page():\n    raise ValueError({CRASH!r})\n",
}


@pytest.mark.anyio
async def test_500_page_without_traceback(make_app, client_for, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(CRASH_APP, dev=False)
    async with client_for(app) as client:
        with caplog.at_level(logging.ERROR, logger="panes"):
            response = await client.get("/crash")
    assert response.status_code == 500
    text = response.text
    for leak in ("Traceback", CRASH, "RuntimeError", "page.py", str(tmp_path), 'File "'):
        assert leak not in text, leak
    records = [r for r in caplog.records if r.name == "panes" and r.levelno >= logging.ERROR]
    assert records, "the error is not logged"
    assert any(r.exc_info and CRASH in str(r.exc_info[1]) for r in records)
    assert "Traceback" in caplog.text and CRASH in caplog.text


@pytest.mark.anyio
async def test_500_page_in_a_slot_without_traceback(make_app, client_for,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(CRASH_APP, dev=False)
    async with client_for(app) as client:
        with caplog.at_level(logging.ERROR, logger="panes"):
            response = await client.get("/main")
    assert response.status_code == 500
    assert "Traceback" not in response.text and CRASH not in response.text
    assert CRASH in caplog.text


@pytest.mark.anyio
async def test_dev_500_page_shows_the_traceback(make_app, client_for) -> None:
    app = make_app(CRASH_APP, dev=True)
    async with client_for(app) as client:
        response = await client.get("/crash")
    assert response.status_code == 500
    assert "Traceback" in response.text
    assert CRASH in response.text
    assert "RuntimeError" in response.text
    assert "crash/page.py" in response.text


@pytest.mark.anyio
@pytest.mark.parametrize("dev", [False, True])
async def test_error_beside_the_raising_page_keeps_200(make_app, client_for, dev: bool,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    app = make_app({
        **CRASH_APP,
        "crash/error.py": ("def error(error):\n"
                           "    return 'crash-boundary ' + type(error).__name__\n"),
        "@side/main/error.py": "def error(error):\n    return 'side-boundary'\n",
    }, dev=dev)
    async with client_for(app) as client:
        with caplog.at_level(logging.ERROR, logger="panes"):
            crash = await client.get("/crash")
            main = await client.get("/main")
    assert crash.status_code == 200
    # error.py gets the exception under dev, a generic ServerError (with a digest) in production
    assert f"crash-boundary {'RuntimeError' if dev else 'ServerError'}" in crash.text
    assert "side-of-crash" in crash.text  # the other slot renders
    assert "<main>" in crash.text and "<aside>" in crash.text  # inside the root layout
    assert "Traceback" not in crash.text and CRASH not in crash.text
    assert main.status_code == 200
    assert "main-content" in main.text and "side-boundary" in main.text
    assert CRASH in caplog.text  # still logged


# --- under the real CLI: panes start / panes dev --------------------------------------------


def _serve(tmp_path: Path, command: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    app_dir = write_app(tmp_path / "app", CRASH_APP)
    port = free_port()
    log = tmp_path / f"{command}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "panes", command, str(app_dir), "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                _stop(proc)
                raise RuntimeError(f"panes {command} did not start:\n{log.read_text()}") from None
            time.sleep(0.1)
    return proc, port, log


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT (uvicorn's reloader stops its worker); if it hangs, kill the session it leads."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the session this test started, by its id
        proc.wait(5)


def _wait_for_log(log: Path, *needles: str, timeout: float = 5) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text(errors="replace")
        if all(n in text for n in needles) or time.monotonic() > deadline:
            return text


def test_panes_start_500_page_has_no_traceback(tmp_path: Path) -> None:
    proc, port, log = _serve(tmp_path, "start")
    try:
        answer = get(port, b"/crash")
        bad = get(port, b"/a/../../%2e%2e/secret.txt")
        worse = get(port, b"/%ff")
    finally:
        _stop(proc)
    assert answer.status == 500, answer.raw[:2000]
    for leak in (b"Traceback", CRASH.encode(), b"RuntimeError", b"page.py"):
        assert leak not in answer.raw, leak
    assert bad.status == 400 and worse.status == 400
    text = _wait_for_log(log, "Traceback", CRASH)
    assert "Traceback" in text and CRASH in text, text


def test_panes_dev_500_page_shows_the_traceback(tmp_path: Path) -> None:
    proc, port, log = _serve(tmp_path, "dev")
    try:
        answer = get(port, b"/crash", headers=b"Host: localhost\r\n")  # (dev answers no other)
    finally:
        _stop(proc)
    assert answer.status == 500, (answer.raw[:2000], log.read_text())
    assert b"Traceback" in answer.body
    assert CRASH.encode() in answer.body
