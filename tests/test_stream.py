"""Streaming over a real socket from ``panes start``: loading UI first, each slot's content as
it is ready."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from conftest import serving, visible, write_app

SLOW = """
import asyncio

async def page():
    await asyncio.sleep({seconds})
    return "{name} ready"
"""

FILES = {
    "layout.py": """
        from markupsafe import Markup

        def layout(children, a, b, c):
            return Markup("<html><body><main>{}</main><i>{}</i><i>{}</i><i>{}</i></body></html>").format(
                children, a, b, c)
    """,
    "page.py": "def page():\n    return 'home'\n",
    "@a/page.py": SLOW.format(seconds=0.3, name="A"),
    "@a/loading.py": "def loading():\n    return 'loading A'\n",
    "@b/page.py": SLOW.format(seconds=0.6, name="B"),
    "@b/loading.py": "def loading():\n    return 'loading B'\n",
    "@c/page.py": SLOW.format(seconds=1.0, name="C"),
    "@c/loading.py": "def loading():\n    return 'loading C'\n",
    "@a/default.py": "def default():\n    return None\n",
    "@b/default.py": "def default():\n    return None\n",
    "@c/default.py": "def default():\n    return None\n",
    # no loading.py: the first byte waits for the slot
    "blocking/page.py": SLOW.format(seconds=0.5, name="blocking"),
    # failures after the first flush render in the stream
    "fails/layout.py": "def layout(children):\n    return children\n",
    "fails/error.py": "def error(error):\n    return 'caught above: ' + str(error)\n",
    "fails/inner/loading.py": "def loading():\n    return 'loading inner'\n",
    "fails/inner/page.py": "import asyncio\n\nasync def page():\n    await asyncio.sleep(0.1)\n    raise ValueError('late failure')\n",
    "gone/loading.py": "def loading():\n    return 'loading gone'\n",
    "gone/not_found.py": "def not_found():\n    return 'nothing here'\n",
    "gone/[id]/page.py": "import asyncio\nfrom panes import not_found\n\nasync def page():\n    await asyncio.sleep(0.05)\n    not_found()\n",
    "moved/loading.py": "def loading():\n    return 'loading moved'\n",
    "moved/page.py": "import asyncio\nfrom panes import redirect\n\nasync def page():\n    await asyncio.sleep(0.05)\n    redirect('/')\n",
    # nested boundaries: the inner fill waits for the outer one
    "nested/loading.py": "def loading():\n    return 'outer loading'\n",
    "nested/page.py": "def page():\n    return None\n",
    "nested/deep/layout.py": "import asyncio\n\nasync def layout(children):\n    await asyncio.sleep(0.3)\n    return children\n",
    "nested/deep/loading.py": "def loading():\n    return 'inner loading'\n",
    "nested/deep/page.py": "def page():\n    return 'deep content'\n",
    # a slot that outlives the timeout renders its error boundary
    "timeout/error.py": "def error(error):\n    return 'timed out: ' + type(error).__name__\n",
    "timeout/loading.py": "def loading():\n    return 'waiting'\n",
    "timeout/page.py": SLOW.format(seconds=3, name="never"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app_dir = write_app(tmp_path_factory.mktemp("stream") / "app", FILES)
    with serving(app_dir, "--slot-timeout", "1.5") as live:
        yield live


def chunks(url: str) -> list[tuple[float, str]]:
    """Every chunk as it came off the socket, with its arrival time since the request
    (uncompressed: tests/test_compress.py shows that compression keeps the chunks)."""
    out = []
    with httpx.Client(headers={"accept-encoding": "identity"}) as client:
        start = time.perf_counter()
        with client.stream("GET", url) as response:
            assert response.status_code == 200
            for chunk in response.iter_raw():
                out.append((time.perf_counter() - start, chunk.decode()))
    return out


def test_loading_ui_first_then_each_slot_as_it_finishes(server):
    got = chunks(server.url + "/")
    first_time, first = got[0]
    assert first_time < 0.1
    assert "home" in first and "loading A" in first and "loading B" in first and "loading C" in first
    assert "ready" not in first
    arrivals = {}
    for at, chunk in got[1:]:
        for name in "ABC":
            if f"{name} ready" in chunk:
                arrivals[name] = at
    assert list(arrivals) == ["A", "B", "C"], "fills must come in the order they finish"
    assert 0.25 < arrivals["A"] < 0.5
    assert 0.55 < arrivals["B"] < 0.8
    assert 0.95 < arrivals["C"] < 1.25
    body = "".join(c for _, c in got)
    assert body.rstrip().endswith("</body></html>")


def test_without_loading_the_first_byte_waits(server):
    got = chunks(server.url + "/blocking")
    assert got[0][0] > 0.45
    assert "blocking ready" in got[0][1]


def test_failure_after_the_first_flush_renders_the_nearest_error_above(server):
    got = chunks(server.url + "/fails/inner")
    assert "loading inner" in got[0][1]
    rest = "".join(c for _, c in got[1:])
    # fails/error.py guards the children region of fails/ (its layout stays), not inner's
    assert 'data-panes-fill="children/children">caught above' in rest
    # under panes start, error.py gets a generic ServerError: the message stays in the log
    assert "caught above: An error occurred" in rest and "late failure" not in rest


def test_not_found_after_the_first_flush(server):
    rest = "".join(c for _, c in chunks(server.url + "/gone/7")[1:])
    assert "nothing here" in rest


def test_redirect_after_the_first_flush_is_a_script_and_a_meta_refresh(server):
    rest = "".join(c for _, c in chunks(server.url + "/moved")[1:])
    assert '<meta http-equiv="refresh" content="0;url=/">' in rest
    assert 'location.replace("/")' in rest


def test_nested_boundaries_fill_outer_before_inner(server):
    got = chunks(server.url + "/nested/deep")
    body = "".join(c for _, c in got)
    assert "outer loading" in got[0][1]
    outer = body.index('data-panes-fill="children/children"')
    inner = body.index('data-panes-fill="children/children/children"')
    assert outer < inner
    assert "deep content" in body


def test_slot_timeout_renders_the_error_boundary(server):
    got = chunks(server.url + "/timeout")
    rest = "".join(c for _, c in got[1:])
    assert "timed out: ServerError" in rest
    assert got[-1][0] < 2.5


def test_a_document_waiting_on_a_slot_beats_each_second(server):
    # the runtime takes a document silent for 4 s for cut (tests/test_faults_browser.py)
    got = chunks(server.url + "/timeout")
    beats = [at for at, chunk in got if chunk == "<script>panes.fill()</script>"]
    assert len(beats) == 1 and 0.95 < beats[0] < 1.4
    quick = chunks(server.url + "/")  # fills 0.3 s, 0.3 s and 0.4 s apart: no beat
    assert "panes.fill()" not in "".join(c for _, c in quick)


def test_content_is_readable_without_javascript(server):
    body = visible("".join(c for _, c in chunks(server.url + "/")))
    assert "A ready" in body and "B ready" in body and "C ready" in body


def test_disconnect_cancels_the_slots_still_running(tmp_path):
    marker = tmp_path / "outcome"
    app_dir = write_app(tmp_path / "app", {
        "loading.py": "def loading():\n    return 'wait'\n",
        "page.py": f"""
import asyncio

async def page():
    try:
        await asyncio.sleep(5)
        open({str(marker)!r}, "w").write("finished")
    except asyncio.CancelledError:
        open({str(marker)!r}, "w").write("cancelled")
        raise
""",
    })
    with serving(app_dir) as live:
        with socket.create_connection(("127.0.0.1", live.port)) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while b"wait" not in received:
                received += sock.recv(65536)
        deadline = time.monotonic() + 3
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.read_text() == "cancelled"
