"""What users run: ``panes start`` (granian, compression on) under many concurrent clients.

Streamed answers must arrive whole, every time, over new connections: a server may take a
cancelled ``receive()`` as the client leaving (granian does), which once cut 46–61 of 100
streamed pages right after the runtime's script. And ``public/`` files must be compressed
or sent as they are, never a 500, whatever file-sending extension the server offers.
"""

from __future__ import annotations

import asyncio
import gzip

import brotli  # type: ignore[import-untyped]
import httpx
import pytest
from conftest import serving, write_app

from panes.core import protocol

CSS = "".join(f".rule-{i} {{ color: #{i:06x}; margin: {i}px; }}\n" for i in range(3000))  # ~130 KB

FILES = {
    # cached root regions (nothing of the document waits) and a slot behind loading.py: the
    # shape that was cut short most often
    "layout.py": """
        from markupsafe import Markup
        revalidate = 60

        def layout(children, side):
            return Markup('<html><head><link rel="stylesheet" href="/site.css"></head><body>'
                          '<main>{}</main><aside>{}</aside></body></html>').format(children, side)
    """,
    "page.py": "revalidate = 60\n\ndef page():\n    return 'home'\n",
    "default.py": "revalidate = 60\n\ndef default():\n    return 'children default'\n",
    "@side/layout.py": "from markupsafe import Markup\n\ndef layout(children):\n    return Markup('<section>{}</section>').format(children)\n",
    "@side/loading.py": "def loading():\n    return 'loading side'\n",
    "@side/default.py": "def default():\n    return 'side default'\n",
    "@side/slow/page.py": "import asyncio\n\nasync def page():\n    await asyncio.sleep(0.3)\n    return 'SLOW CONTENT'\n",
    "api/ticks/route.py": """
        import asyncio
        from starlette.responses import StreamingResponse

        async def ticks():
            for i in range(5):
                await asyncio.sleep(0.02)
                yield f"tick {i}\\n"

        def get():
            return StreamingResponse(ticks(), media_type="text/plain")
    """,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("production")
    app_dir = write_app(root / "app", FILES)
    (root / "public").mkdir()
    (root / "public" / "site.css").write_text(CSS)
    (root / "public" / "small.css").write_text("body { color: red; }\n" * 30)  # 630 B
    with serving(app_dir) as live:
        yield live


async def _many(count: int, concurrency: int, fetch) -> list[object]:
    """``fetch(client)`` ``count`` times, ``concurrency`` at once, each over a new connection."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> object:
        async with gate, httpx.AsyncClient(headers={"accept-encoding": "gzip, br"},
                                            timeout=10) as client:
            try:
                return await fetch(client)
            except httpx.HTTPError as exc:  # a cut answer: counted, not raised
                return exc

    return await asyncio.gather(*(one() for _ in range(count)))


def test_a_hundred_streamed_documents_arrive_whole(server):
    async def fetch(client):
        response = await client.get(server.url + "/slow")
        return response.status_code, response.text

    results = asyncio.run(_many(100, 20, fetch))
    whole = [r for r in results if isinstance(r, tuple) and r[0] == 200
             and r[1].rstrip().endswith("</html>") and "SLOW CONTENT" in r[1]]
    assert len(whole) == 100, f"{100 - len(whole)} of 100 streamed documents were cut short"


def _state_of(html: str) -> str:
    return html.split('id="panes-state">', 1)[1].split("</script>", 1)[0]


def test_a_hundred_streamed_soft_navigations_arrive_whole(server):
    state = _state_of(httpx.get(server.url + "/").text)

    async def fetch(client):
        response = await client.get(server.url + "/slow", headers={"Panes-State": state})
        return protocol.parse(response.text)

    results = asyncio.run(_many(100, 20, fetch))
    whole = [r for r in results if isinstance(r, list) and r and r[0]["t"] == "patch"
             and any(rec["t"] == "fill" and "SLOW CONTENT" in rec["html"][0] for rec in r)
             and r[-1]["t"] == "state"]
    assert len(whole) == 100, f"{100 - len(whole)} of 100 soft navigations lost records"


def test_a_hundred_streaming_route_handlers_arrive_whole(server):
    async def fetch(client):
        return (await client.get(server.url + "/api/ticks")).text

    results = asyncio.run(_many(100, 20, fetch))
    expected = "".join(f"tick {i}\n" for i in range(5))
    assert sum(r == expected for r in results) == 100


@pytest.mark.parametrize("encoding, decode", [
    ("gzip", gzip.decompress),
    ("br", brotli.decompress),
    ("identity", lambda body: body),
])
def test_public_files_are_compressed_or_sent_as_they_are(server, encoding, decode):
    for name, text in (("site.css", CSS), ("small.css", "body { color: red; }\n" * 30)):
        with httpx.Client(headers={"accept-encoding": encoding}) as client, \
                client.stream("GET", f"{server.url}/{name}") as response:
            raw = b"".join(response.iter_raw())
        assert response.status_code == 200, (name, encoding)
        assert response.headers.get("content-encoding", "identity") == encoding
        assert decode(raw).decode() == text


def test_ranges_and_revalidation_of_public_files_still_hold(server):
    with httpx.Client(headers={"accept-encoding": "gzip, br"}) as client:
        part = client.get(f"{server.url}/site.css", headers={"range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == CSS[:100].encode()
        first = client.get(f"{server.url}/site.css")
        again = client.get(f"{server.url}/site.css",
                           headers={"if-none-match": first.headers["etag"]})
        assert again.status_code == 304


def test_no_response_is_a_server_error_under_load(server):
    """Documents, soft navigations, route handlers and files mixed, 20 at a time."""
    state = _state_of(httpx.get(server.url + "/").text)
    asks = [("/", {}), ("/slow", {}), ("/slow", {"Panes-State": state}), ("/api/ticks", {}),
            ("/site.css", {}), ("/small.css", {}), ("/nowhere", {})]

    async def fetch(client):
        statuses = []
        for path, headers in asks:
            statuses.append((await client.get(server.url + path, headers=headers)).status_code)
        return statuses

    results = asyncio.run(_many(20, 10, fetch))
    assert all(r == [200, 200, 200, 200, 200, 200, 404] for r in results), results

