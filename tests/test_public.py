"""public/: files served at their own paths, with caching headers and ranges, never anything
outside the directory."""

from __future__ import annotations

import os
from email.utils import formatdate

import httpx
import pytest
from starlette.responses import PlainTextResponse

from panes.appdir.public import PublicFiles, content_type, public_paths

pytestmark = pytest.mark.anyio

CSS = "body { color: #222 }\n" * 10


async def fallback(scope, receive, send):
    """The pages: what answers every URL that is not a public file."""
    await PlainTextResponse(f"page {scope['path']}", 404)(scope, receive, send)


@pytest.fixture
def public(tmp_path):
    root = tmp_path / "public"
    (root / "images").mkdir(parents=True)
    (root / "mail.css").write_text(CSS)
    (root / "app.js").write_text("console.log(1)")
    (root / "images" / "a b.svg").write_text("<svg/>")
    (root / "robots.txt").write_text("User-agent: *")
    (root / ".env").write_text("SECRET=1")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("x")
    (root / ".well-known").mkdir()
    (root / ".well-known" / "security.txt").write_text("Contact: a@b")
    (tmp_path / "secret.txt").write_text("outside")
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "outdir").symlink_to(tmp_path, target_is_directory=True)
    (root / "alias.css").symlink_to(root / "mail.css")
    (root / "dotlink").symlink_to(root / ".env")
    return root


def client(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.mark.parametrize("live", [False, True])
async def test_a_file_is_served_at_its_path(public, live):
    async with client(PublicFiles(public, fallback, live=live)) as c:
        r = await c.get("/mail.css")
        assert r.status_code == 200 and r.text == CSS
        assert r.headers["content-type"] == "text/css; charset=utf-8"
        assert r.headers["cache-control"] == "public, max-age=0"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["etag"].startswith('"') and r.headers["last-modified"].endswith("GMT")
        assert r.headers["content-length"] == str(len(CSS))
        assert r.headers["accept-ranges"] == "bytes"
        r = await c.get("/images/a%20b.svg")
        assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
        assert (await c.get("/app.js")).headers["content-type"].startswith("text/javascript")
        assert (await c.get("/.well-known/security.txt")).status_code == 200
        assert (await c.get("/alias.css")).text == CSS  # a link inside public/ is followed


async def test_head_sends_headers_only(public):
    async with client(PublicFiles(public, fallback)) as c:
        r = await c.head("/mail.css")
        assert r.status_code == 200 and r.content == b""
        assert r.headers["content-length"] == str(len(CSS))


async def test_conditional_requests_answer_304(public):
    async with client(PublicFiles(public, fallback)) as c:
        first = await c.get("/mail.css")
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        r = await c.get("/mail.css", headers={"if-none-match": etag})
        assert r.status_code == 304 and r.content == b""
        assert r.headers["etag"] == etag and "content-length" not in r.headers
        assert (await c.get("/mail.css", headers={"if-none-match": f'"x", W/{etag}'})).status_code == 304
        assert (await c.get("/mail.css", headers={"if-none-match": "*"})).status_code == 304
        assert (await c.get("/mail.css", headers={"if-none-match": '"other"'})).status_code == 200
        assert (await c.get("/mail.css", headers={"if-modified-since": modified})).status_code == 304
        old = formatdate(0, usegmt=True)
        assert (await c.get("/mail.css", headers={"if-modified-since": old})).status_code == 200
        # If-None-Match decides when both are sent (RFC 9110 13.2.2)
        r = await c.get("/mail.css", headers={"if-none-match": '"other"', "if-modified-since": modified})
        assert r.status_code == 200
        assert (await c.get("/mail.css", headers={"if-modified-since": "garbage"})).status_code == 200


async def test_a_changed_file_has_another_etag(public):
    files = PublicFiles(public, fallback)
    async with client(files) as c:
        before = (await c.get("/mail.css")).headers["etag"]
        (public / "mail.css").write_text(CSS + "a {}")
        os.utime(public / "mail.css", (1, 1))
        r = await c.get("/mail.css", headers={"if-none-match": before})
        assert r.status_code == 200 and r.headers["etag"] != before


async def test_ranges(public):
    async with client(PublicFiles(public, fallback)) as c:
        r = await c.get("/mail.css", headers={"range": "bytes=0-3"})
        assert r.status_code == 206 and r.text == CSS[:4]
        assert r.headers["content-range"] == f"bytes 0-3/{len(CSS)}"
        r = await c.get("/mail.css", headers={"range": "bytes=-5"})
        assert r.status_code == 206 and r.text == CSS[-5:]
        r = await c.get("/mail.css", headers={"range": "bytes=0-1,4-5"})
        assert r.status_code == 206 and r.headers["content-type"].startswith("multipart/byteranges")
        r = await c.get("/mail.css", headers={"range": f"bytes={len(CSS) + 10}-"})
        assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(CSS)}"
        # a range of a unit or syntax the server does not know is ignored: the whole file
        for value in ("items=0-3", "bytes=abc", "bytes=5-2", "bytes", "bytes=-"):
            r = await c.get("/mail.css", headers={"range": value})
            assert r.status_code == 200 and r.text == CSS, value
        etag = (await c.get("/mail.css")).headers["etag"]
        r = await c.get("/mail.css", headers={"range": "bytes=0-3", "if-range": etag})
        assert r.status_code == 206
        r = await c.get("/mail.css", headers={"range": "bytes=0-3", "if-range": '"stale"'})
        assert r.status_code == 200 and r.text == CSS


@pytest.mark.parametrize("live", [False, True])
@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/images/%2e%2e/%2e%2e/secret.txt",
    "/images%2F..%2F..%2Fsecret.txt", "/images%2fa%20b.svg", "/..%5Csecret.txt", "/images%5Ca%20b.svg",
    "/mail.css%00", "/mail.css%00.png", "/leak.txt", "/outdir/secret.txt", "/.env", "/%2eenv",
    "/.git/config", "/dotlink", "/images", "/images/", "//mail.css", "/./mail.css", "/mail.css/",
    "/%ff", "/" + "a" * 5000, "/nope.css", "/images/../mail.css",
])
async def test_nothing_outside_public_is_served(public, path, live):
    """Sent as the raw path a server passes on (httpx would normalise ``/./`` and ``/../``)."""
    status, body = await raw_get(PublicFiles(public, fallback, live=live), path)
    assert status == 404 and body.startswith(b"page"), (path, body[:40])


async def raw_get(app, raw: str) -> tuple[int, bytes]:
    from urllib.parse import unquote

    scope = {"type": "http", "method": "GET", "path": unquote(raw), "raw_path": raw.encode(),
             "root_path": "", "query_string": b"", "headers": [], "scheme": "http",
             "http_version": "1.1", "asgi": {"version": "3.0", "spec_version": "2.4"}}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


async def test_traversal_over_a_real_server(public, live_server):
    """What a real client sends, unnormalised, to a real uvicorn."""
    import socket

    with live_server(PublicFiles(public, fallback)) as server:
        for raw in ("/../secret.txt", "/%2e%2e/secret.txt", "/images/..%2f..%2fsecret.txt", "/leak.txt"):
            with socket.create_connection(("127.0.0.1", server.port)) as s:
                s.sendall(f"GET {raw} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            assert b"outside" not in data and b" 404 " in data.split(b"\r\n")[0] + b" ", (raw, data[:80])
        r = httpx.get(server.url + "/mail.css", headers={"range": "bytes=2-5"})
        assert r.status_code == 206 and r.text == CSS[2:6]
        r = httpx.get(server.url + "/mail.css", headers={"if-none-match": r.headers["etag"]})
        assert r.status_code == 304


async def test_other_methods_are_405_on_a_file_and_pages_elsewhere(public):
    async with client(PublicFiles(public, fallback)) as c:
        r = await c.post("/mail.css")
        assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
        r = await c.post("/inbox")
        assert r.text == "page /inbox"


async def test_production_serves_what_was_there_at_start_dev_what_is_there_now(public):
    prod, dev = PublicFiles(public, fallback), PublicFiles(public, fallback, live=True)
    (public / "new.css").write_text("a{}")
    async with client(prod) as c:
        assert (await c.get("/new.css")).status_code == 404
    async with client(dev) as c:
        assert (await c.get("/new.css")).status_code == 200
        (public / "new.css").unlink()
        assert (await c.get("/new.css")).status_code == 404
    async with client(prod) as c:  # removed since start: not an error, a miss
        (public / "robots.txt").unlink()
        assert (await c.get("/robots.txt")).status_code == 404


async def test_mounted_below_a_root_path(public):
    from starlette.applications import Starlette
    from starlette.routing import Mount

    outer = Starlette(routes=[Mount("/mail", PublicFiles(public, fallback))])
    async with client(outer) as c:
        assert (await c.get("/mail/mail.css")).text == CSS
        assert (await c.get("/mail.css")).status_code == 404


async def test_lifespan_passes_through(public):
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    await PublicFiles(public, inner)({"type": "lifespan"}, None, None)
    assert seen == ["lifespan"]



def test_public_paths(public):
    assert public_paths(public) == {
        "/mail.css", "/app.js", "/images/a b.svg", "/robots.txt", "/.well-known/security.txt",
        "/alias.css",
    }
    assert public_paths(public / "missing") == set()


def test_public_paths_survives_a_link_loop(tmp_path):
    root = tmp_path / "public"
    (root / "a").mkdir(parents=True)
    (root / "a" / "f.txt").write_text("x")
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    assert "/a/f.txt" in public_paths(root)


def test_content_types():
    assert content_type("x.webmanifest") == "application/manifest+json"
    assert content_type("x.WOFF2") == "font/woff2"
    assert content_type("x.mjs") == "text/javascript"
    assert content_type("x.unknownext") == "application/octet-stream"
