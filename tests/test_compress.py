"""Compression: smaller text responses, and a streamed page that still streams."""

from __future__ import annotations

import gzip
import socket
import time
import zlib

import brotli
import httpx
import pytest
from conftest import serving, write_app
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from panes import App
from panes.http.compress import CompressMiddleware, choose_encoding

pytestmark = pytest.mark.anyio

PAGE = "<p>" + "a row of the inbox, repeated; " * 200 + "</p>"

FILES = {
    "layout.py": """
        from markupsafe import Markup

        def layout(children, a):
            return Markup("<html><body><main>{}</main><i>{}</i></body></html>").format(children, a)
    """,
    "page.py": f"from markupsafe import Markup\n\ndef page():\n    return Markup({PAGE!r})\n",
    "@a/page.py": "import asyncio\n\nasync def page():\n    await asyncio.sleep(1)\n    return 'A ready'\n",
    "@a/loading.py": "def loading():\n    return 'loading A'\n",
    "@a/default.py": "def default():\n    return None\n",
}


def others() -> Starlette:
    return Starlette(routes=[
        Route("/tiny", lambda r: PlainTextResponse("ok")),
        Route("/png", lambda r: Response(b"\x89PNG" + b"\0" * 5000, media_type="image/png")),
        Route("/encoded", lambda r: Response(gzip.compress(b"x" * 5000), media_type="text/html",
                                             headers={"content-encoding": "gzip"})),
        Route("/json", lambda r: Response(b'{"a": "' + b"b" * 5000 + b'"}',
                                          media_type="application/json",
                                          headers={"etag": '"v1"'})),
    ])


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory):
    return write_app(tmp_path_factory.mktemp("compress") / "app", FILES)


def test_accept_encoding_is_honoured():
    assert choose_encoding("gzip, deflate, br") == "br"
    assert choose_encoding("gzip") == "gzip"
    assert choose_encoding("br;q=0, gzip;q=0.5") == "gzip"
    assert choose_encoding("identity") is None
    assert choose_encoding("") is None
    assert choose_encoding("*;q=0") is None


async def test_a_page_is_gzipped_when_the_client_accepts_it(app_dir, client_for):
    client = client_for(CompressMiddleware(App(app_dir)))
    plain = await client.get("/", headers={"accept-encoding": "identity"})
    zipped = await client.get("/", headers={"accept-encoding": "gzip"})
    assert plain.headers.get("content-encoding") is None
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"] and "Accept-Encoding" in plain.headers["vary"]
    assert zipped.text.count("a row of the inbox") == 200  # httpx decoded it
    assert len(zipped.content) == len(plain.content)
    assert zipped.num_bytes_downloaded < len(plain.content) / 5


async def test_brotli_when_preferred(app_dir, client_for):
    client = client_for(CompressMiddleware(App(app_dir)))
    response = await client.get("/", headers={"accept-encoding": "br, gzip"})
    assert response.headers["content-encoding"] == "br"
    assert "a row of the inbox" in response.text


async def test_what_is_left_alone(client_for):
    client = client_for(CompressMiddleware(others()))
    accept = {"accept-encoding": "gzip, br"}
    tiny = await client.get("/tiny", headers=accept)
    assert tiny.headers.get("content-encoding") is None and tiny.text == "ok"
    png = await client.get("/png", headers=accept)
    assert png.headers.get("content-encoding") is None and "vary" not in png.headers
    encoded = await client.get("/encoded", headers=accept)
    assert encoded.headers["content-encoding"] == "gzip" and encoded.text == "x" * 5000
    json = await client.get("/json", headers={"accept-encoding": "gzip"})
    assert json.headers["content-encoding"] == "gzip" and json.json()["a"] == "b" * 5000
    assert json.headers["etag"] == 'W/"v1"'  # another representation than the identity one


def raw_chunks(port: int, accept: str) -> list[tuple[float, bytes]]:
    """The response body as it comes off the socket (chunked framing removed), timed."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        start = time.perf_counter()
        sock.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {accept}\r\n"
                     "Connection: close\r\n\r\n".encode())
        data = b""
        out: list[tuple[float, bytes]] = []
        while True:
            more = sock.recv(65536)
            if not more:
                break
            data += more
            out.append((time.perf_counter() - start, more))
    head, _, _ = data.partition(b"\r\n\r\n")
    assert b"content-encoding: " + accept.encode() in head.lower()
    return out


@pytest.mark.parametrize("accept", ["gzip", "br"])
def test_a_streamed_page_still_streams_compressed(app_dir, accept):
    with serving(app_dir) as live:  # panes start compresses by default
        got = raw_chunks(live.port, accept)
    first_at, first = got[0]
    assert first_at < 0.05
    body = b"".join(c for _, c in got).partition(b"\r\n\r\n")[2]
    # undo the chunked framing, then decompress the first part alone: the loading UI is there
    parts, rest = [], body
    while rest:
        size, _, rest = rest.partition(b"\r\n")
        n = int(size, 16)
        parts.append(rest[:n])
        rest = rest[n + 2:]
    decompress = (zlib.decompressobj(16 + zlib.MAX_WBITS).decompress if accept == "gzip"
                  else brotli.Decompressor().process)
    first_part = decompress(parts[0]).decode()
    assert "loading A" in first_part and "A ready" not in first_part
    rest_text = "".join(decompress(p).decode() for p in parts[1:])
    assert "A ready" in rest_text and rest_text.rstrip().endswith("</body></html>")
    arrival = next(at for at, c in got if at > 0.5)
    assert 0.9 < arrival < 1.5  # the content came when it was ready, not before


def test_httpx_reads_the_streamed_page(app_dir):
    with serving(app_dir) as live:
        response = httpx.get(live.url + "/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "A ready" in response.text and "loading A" in response.text


SECRET_PAGE = """
from markupsafe import Markup

def page(search_params):
    return Markup("<p>csrf=7f3a9c21e5</p><p>you searched for {}</p>").format(
        search_params.get("q", "")) + Markup("<p>" + "padding text of the page " * 40 + "</p>")
"""


@pytest.mark.parametrize("accept, decompress", [("gzip", gzip.decompress),
                                                 ("br", brotli.decompress)])
async def test_compressed_sizes_do_not_tell_a_right_guess_from_a_wrong_one(
        tmp_path, client_for, accept, decompress):
    """BREACH: a secret shown beside reflected input. Unpadded, the right guess compressed to
    the same smaller size every time; padded, each answer's size varies by up to 100 bytes,
    so the guesses' sizes overlap, and the content is the same."""
    client = client_for(App(write_app(tmp_path / "app", {"page.py": SECRET_PAGE})))
    sizes: dict[str, list[int]] = {}
    for guess in ("csrf=7f3a9c21e5", "csrf=0000000000"):
        for _ in range(30):
            request = client.build_request("GET", "/", params={"q": guess},
                                           headers={"accept-encoding": accept})
            response = await client.send(request, stream=True)
            body = b"".join([chunk async for chunk in response.aiter_raw()])
            assert guess in decompress(body).decode()
            sizes.setdefault(guess, []).append(len(body))
    right, wrong = sizes["csrf=7f3a9c21e5"], sizes["csrf=0000000000"]
    assert len(set(right)) > 10 and len(set(wrong)) > 10
    assert min(wrong) < max(right) and min(right) < max(wrong)  # the ranges overlap
