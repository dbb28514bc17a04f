"""A client that sends ever new, ever longer URLs and cookies costs a worker a bounded amount of
memory: what panes keeps across requests (entries, signed states, heads, the cache's indexes,
remembered documents) is bounded in bytes, and what is large is not kept at all.

Measured as a user runs it: a real ``panes start`` worker, its resident memory read from
``/proc/<pid>/status`` before and after the requests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port, write_app

from panes.core.kept import Kept, size_of

APP = {
    # cached, with a head made of a metadata dict (kept per path)
    "layout.py": "from markupsafe import Markup\nrevalidate = 60\nmetadata = {'title': 'memory'}\n\n"
                 "def layout(children):\n    return Markup('<html><head></head><body>')"
                 " + children + Markup('</body></html>')\n",
    # cached, the same for every query: each new query is a remembered document, and each
    # new cookie a state kept for it
    "page.py": "revalidate = 60\n\ndef page():\n    return 'home'\n",
    # cached per URL: an entry indexed under its (long) path
    "s/[...slug]/page.py": "revalidate = 60\n\ndef page(params, search_params):\n"
                           "    return 'cached ' + str(len(params['slug'][0]))\n",
    # rendered per request
    "u/[...slug]/page.py": "def page(params):\n    return 'live ' + str(len(params['slug'][0]))\n",
}
MiB = 1024 * 1024
#: What 2,000 such requests may grow a worker by: each memo's bound (4 MiB of text), the
#: remembered documents' (16 MiB), the cache's (1 MiB here), and the allocator's slack. They
#: grow it by about 20 MiB; before the bounds counted bytes, by 246 MiB.
BOUND = 40 * MiB


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """A ``panes start`` of :data:`APP` with a 1 MiB cache: its port and its worker's pid."""
    app_dir = write_app(tmp_path / "app", APP)
    port = free_port()
    env = {**os.environ, "PANES_CACHE_MAX_BYTES": str(MiB), "PANES_SECRET": "m" * 32}
    proc = subprocess.Popen(
        [sys.executable, "-m", "panes", "start", str(app_dir), "--port", str(port)],
        cwd=tmp_path, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("panes start did not start") from None
                time.sleep(0.1)
        (pid,) = _children(proc.pid)
        yield port, pid
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # the session this test started, by its id
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def _children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _get(port: int, target: str, cookie: str) -> int:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                     "Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


def test_unique_30_kb_urls_and_cookies_leave_a_worker_within_its_bound(
        worker: tuple[int, int]) -> None:
    port, pid = worker
    for i in range(50):  # warm up: the code paths run, the cached regions are there
        for target in (f"/s/w{i}", "/", f"/u/w{i}", f"/?q=w{i}"):
            assert _get(port, target, f"c=w{i}") == 200
    before = _rss(pid)
    for i in range(2000):
        unique = f"{i:06d}"
        path = unique + "p" * 7900  # the longest path panes serves is 8 KiB
        query = "q=" + unique + "q" * 22100
        target = (f"/?q={unique}{'a' * 30000}", "/", f"/s/{path}?{query}",
                  f"/u/{path}?{query}")[i % 4]
        assert _get(port, target, f"c={unique}{'b' * 30000}") == 200
    grown = _rss(pid) - before
    assert grown < BOUND, f"the worker grew by {grown / MiB:.1f} MiB"


def test_a_memo_starts_over_at_its_bytes_and_keeps_nothing_large() -> None:
    kept: Kept[str, str] = Kept(limit=10_000, max_bytes=256 * 1024)
    for i in range(1000):
        url = f"/{i}" + "x" * 900
        kept.keep(url, url, size_of(url))
        assert kept.bytes <= 256 * 1024
    assert 0 < len(kept) < 300  # it started over on its bytes, long before its count
    huge = "/" + "x" * 2000  # more than a 256th of the bound: made again each time
    assert kept.keep(huge, huge, size_of(huge)) is huge and huge not in kept
