"""``panes start --workers 2`` without Redis: an invalidation made in one worker (an action's
``revalidate_tag`` / ``revalidate_path``) reaches the other, whose cache is its own.

Real processes: ``panes start`` on a free loopback port. Each worker is reached over a
keep-alive connection of its own (a connection stays with the worker that accepted it), told
apart by a route handler that answers the worker's pid.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import Production, write_app

PAGE = '''
from pathlib import Path
import panes

revalidate = float("inf")
TAGS = ["messages"]
DB = Path(__file__).resolve().parent.parent / "data.txt"

def page():
    return "data: " + DB.read_text() + " :end"

async def action(form):
    DB.write_text(form["text"])
    if form["how"] == "tag":
        panes.revalidate_tag("messages")
    else:
        panes.revalidate_path("/")
    panes.redirect("/")
'''

PID = "import os\n\ndef get():\n    return {'pid': os.getpid()}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_app(tmp_path / "app", {"page.py": PAGE, "pid/route.py": PID})
    (tmp_path / "data.txt").write_text("v1")
    return tmp_path


def by_worker(url: str) -> dict[int, httpx.Client]:
    """A keep-alive client per worker (connections are opened at once, so both accept)."""
    def connect(_: int) -> tuple[int, httpx.Client]:
        client = httpx.Client(base_url=url, timeout=5)
        return client.get("/pid").json()["pid"], client

    clients: dict[int, httpx.Client] = {}
    for _ in range(5):
        with ThreadPoolExecutor(8) as pool:
            for pid, client in pool.map(connect, range(8)):
                if clients.setdefault(pid, client) is not client:
                    client.close()
        if len(clients) == 2:
            return clients
    raise AssertionError(f"reached only the workers {sorted(clients)}")


def shown(client: httpx.Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.text.split("data: ", 1)[1].split(" :end", 1)[0]


def test_an_invalidation_in_one_worker_reaches_the_other(project: Path) -> None:
    with Production(project / "app", "--workers", "2") as server:
        clients = by_worker(server.url)
        one, two = clients.values()
        assert shown(one) == shown(two) == "v1"  # each worker has it cached
        (project / "data.txt").write_text("changed behind the cache's back")
        assert shown(one) == shown(two) == "v1"
        for version, how in (("v2", "tag"), ("v3", "path")):
            posted = one.post("/", data={"text": version, "how": how})
            assert posted.status_code == 303
            assert shown(one) == version
            start = time.perf_counter()
            while (seen := shown(two)) != version:  # before: "v1" until a restart
                assert time.perf_counter() - start < 0.1, f"the other worker shows {seen}"
        for client in clients.values():
            client.close()
    assert "cannot tell each other" not in server.log


def test_workers_that_cannot_share_invalidations_say_so_at_start(project: Path) -> None:
    """Where the workers cannot meet (here: a temporary directory whose path is too long for a
    unix socket), each says at start that invalidations stay in one worker, and the fix."""
    tmp = project / ("t" * 120)
    tmp.mkdir()
    with Production(project / "app", "--workers", "2", env={"TMPDIR": str(tmp)}) as server:
        assert "v1" in httpx.get(server.url + "/").text
    warned = [line for line in server.log.splitlines()
              if "cannot tell each other of invalidations" in line]
    assert warned and all("PANES_CACHE_URL" in line for line in warned)
    assert os.listdir(tmp) == []


def test_the_workers_channel_carries_an_invalidation_in_about_a_millisecond(
        tmp_path: Path) -> None:
    """Two workers' stores over one directory (in one process here): what one invalidates is
    gone from the other's cache as soon as its event loop reads the socket."""
    import asyncio

    from panes.cache import MemoryStore
    from panes.cache.peers import PeerStore

    async def run() -> float:
        where = tmp_path / "peers"
        one, two = PeerStore(MemoryStore(), where), PeerStore(MemoryStore(), where)
        await two.set("inbox", b"v1", ttl=None, tags=["messages"], paths=["/inbox"])
        await two.set("other", b"x", ttl=None, tags=["else"])
        assert (await two.get("inbox"))[0] == b"v1"
        start = time.perf_counter()
        await one.delete_tags(["messages"] * 5000)  # several datagrams' worth of names
        while (await two.get("inbox"))[0] is not None:
            assert time.perf_counter() - start < 0.1
            await asyncio.sleep(0)
        latency = time.perf_counter() - start
        assert (await two.get("other"))[0] == b"x" and await two.epoch() >= 1
        await one.delete_paths(["/nowhere"])
        await one.close()
        await two.close()
        assert not where.exists()  # the last worker out removes the directory
        return latency

    latency = asyncio.run(run())
    print(f"\nan invalidation reached the other worker in {latency * 1000:.2f} ms")
