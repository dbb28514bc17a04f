"""Cache benchmark: a cached region's hit in process against the same hit over Redis, served
from the worker's own copy (the default) and with every hit a round trip (``local_bytes=0``).

Times ``RegionCache.get_or_render`` on a fresh entry (a 2 KB region, the size of a dashboard
slot), one request at a time (latency, µs per get) and with 50 concurrent requests (hits per
second, one process, one event loop). Redis is ``PANES_CACHE_URL`` if set, else a throwaway
``redis-server`` (Debian's) on a free loopback port, started and stopped here.

Reported ratios (measured in this run), for each Redis store:
  * Redis hit latency / in-process hit latency (about 1 from the worker's copy; in the tens
    for a round trip);
  * in-process hits per second / Redis hits per second at 50 concurrent requests.
No targets: the numbers show what sharing the cache across workers costs per region.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from panes.cache import MemoryStore, RegionCache
from panes.cache.redis_store import RedisStore

HTML = "<section>" + "x" * 2000 + "</section>"
LATENCY_GETS = 20_000
CONCURRENT = 50
THROUGHPUT_GETS = 40_000


async def render() -> str:
    return HTML


async def latency(cache: RegionCache, n: int) -> float:
    """Microseconds per hit, one at a time (best of three runs)."""
    await cache.get_or_render("page.py#bench", render, 60, ("t",), ("/",))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            await cache.get_or_render("page.py#bench", render, 60, ("t",), ("/",))
        best = min(best, (time.perf_counter() - start) / n * 1e6)
    return best


async def throughput(cache: RegionCache, total: int) -> float:
    """Hits per second with ``CONCURRENT`` requests in flight."""
    per_task = total // CONCURRENT

    async def worker() -> None:
        for _ in range(per_task):
            await cache.get_or_render("page.py#bench", render, 60, ("t",), ("/",))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
    return per_task * CONCURRENT / (time.perf_counter() - start)


@contextmanager
def redis_url() -> Iterator[str]:
    given = os.environ.get("PANES_CACHE_URL")
    if given:
        yield given
        return
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed: apt-get install redis-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--loglevel", "warning"],
                            stdout=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.01)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


async def run() -> None:
    memory = RegionCache(MemoryStore())
    mem_us = await latency(memory, LATENCY_GETS)
    mem_rps = await throughput(memory, THROUGHPUT_GETS * 5)
    rows = [("in process", mem_us, mem_rps)]
    with redis_url() as url:
        for name, local_bytes, scale in (("redis", 64 * 1024 * 1024, 1),
                                         ("redis, no copy", 0, 10)):
            redis = RegionCache(RedisStore(url, prefix="panes-bench:", local_bytes=local_bytes))
            await redis.get_or_render("page.py#bench", render, 60, ("t",), ("/",))
            await asyncio.sleep(0.1)  # the worker's tracking connection comes up
            rows.append((name, await latency(redis, LATENCY_GETS // scale),
                         await throughput(redis, THROUGHPUT_GETS * 5 // scale // 4)))
            await redis.close()
    print(f"cache hit of a {len(HTML)}-byte region, one process (python {sys.version.split()[0]})")
    print(f"{'store':<16} {'µs/get':>10} {f'hits/s @{CONCURRENT}':>14}")
    for name, us, rps in rows:
        print(f"{name:<16} {us:>10.2f} {rps:>14,.0f}")
    for name, us, rps in rows[1:]:
        print(f"ratio, {name}: a hit costs {us / mem_us:.1f}× an in-process hit; "
              f"in process serves {mem_rps / rps:.1f}× the hits per second")


def main(argv: list[str]) -> bool:
    print("== cache: in process vs Redis ==")
    asyncio.run(run())
    return True


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
