"""The Redis store's local tier: a hit costs no round trip, and what changes in Redis (an
invalidation, a write, a flush, a restart) reaches every worker's copy at once.

Each ``RedisStore`` here plays one worker; the server is a real ``redis-server`` on a free
loopback port (the fixture of ``test_cache_region``). Figures measured are printed (``-s``).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis
from test_cache_region import RedisServer, redis_server  # noqa: F401 - a fixture

from panes.cache.local_tier import LocalTier
from panes.cache.redis_store import RedisStore

pytestmark = pytest.mark.anyio

_prefixes = itertools.count()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def workers(redis_server: RedisServer  # noqa: F811
                  ) -> AsyncIterator[Callable[..., RedisStore]]:
    """``workers()``: another worker's store over the same Redis and prefix."""
    made: list[RedisStore] = []
    prefix = f"tracked{next(_prefixes)}:"

    def make(**kwargs: object) -> RedisStore:
        made.append(RedisStore(redis_server.url, prefix=prefix, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for store in made:
        await store.close()


async def tracked(*stores: RedisStore) -> None:
    """Wait until each store's tracking connection is up (a worker's first read starts it)."""
    for store in stores:
        await store.epoch()
    deadline = time.monotonic() + 5
    while not all(store.tier.live for store in stores):
        assert time.monotonic() < deadline, "tracking never came up"
        await asyncio.sleep(0.01)


def counter(server: RedisServer) -> Callable[[], int]:
    """How many commands the server has processed so far (over one connection of its own)."""
    spy = redis.Redis.from_url(server.url)
    return lambda: int(spy.info("stats")["total_commands_processed"])


async def until(condition: Callable[[], object], within: float = 0.1) -> float:
    """Seconds until ``condition()`` holds; fails after ``within``."""
    start = time.perf_counter()
    while not condition():
        assert time.perf_counter() - start < within, "not within %.0f ms" % (within * 1000)
        await asyncio.sleep(0)
    return time.perf_counter() - start


async def test_a_hit_is_served_from_the_workers_memory(
        workers: Callable[..., RedisStore], redis_server: RedisServer) -> None:  # noqa: F811
    store = workers()
    await tracked(store)
    await store.set("region", b"html", ttl=None, tags=["t"])
    await asyncio.sleep(0.02)
    assert await store.get("region") == (b"html", 0)  # read once from Redis
    commands = counter(redis_server)
    before = commands()
    for _ in range(1000):
        assert await store.get("region") == (b"html", 0)
        assert await store.epoch() == 0
    assert commands() - before <= 5  # the INFO itself, a PING or two: no GET


async def test_without_a_local_tier_every_hit_is_a_round_trip(
        workers: Callable[..., RedisStore], redis_server: RedisServer) -> None:  # noqa: F811
    store = workers(local_bytes=0)
    await store.set("region", b"html", ttl=None)
    commands = counter(redis_server)
    before = commands()
    for _ in range(100):
        assert await store.get("region") == (b"html", 0)
    assert commands() - before >= 100


@pytest.mark.parametrize("how", ["tag", "path"])
async def test_an_invalidation_reaches_every_other_worker_within_100_ms(
        workers: Callable[..., RedisStore], how: str) -> None:
    one, two, three = workers(), workers(), workers()
    await tracked(one, two, three)
    await one.set("inbox", b"v1", ttl=None, tags=["messages"], paths=["/inbox"])
    await asyncio.sleep(0.02)  # Redis's message about this write reaches every worker
    for store in (one, two, three):
        assert await store.get("inbox") == (b"v1", 0)
        assert store.tier.get("inbox") == (b"v1", 0)
    start = time.perf_counter()
    if how == "tag":
        await one.delete_tags(["messages"])
    else:
        await one.delete_paths(["/inbox"])
    assert one.tier.get("inbox") is None  # the worker that invalidated: before it returns
    await until(lambda: two.tier.get("inbox") is None and three.tier.get("inbox") is None)
    latency = time.perf_counter() - start
    print(f"\ninvalidation ({how}) reached the other workers in {latency * 1000:.2f} ms")
    assert await two.get("inbox") == (None, 1)
    assert await three.epoch() == 1


async def test_a_write_by_another_worker_replaces_the_copy(
        workers: Callable[..., RedisStore]) -> None:
    """A stale entry refreshed by another worker (stale-while-revalidate): every worker shows
    the new HTML, not its own copy of the old one."""
    one, two = workers(), workers()
    await tracked(one, two)
    await one.set("report", b"v1", ttl=60)
    assert (await two.get("report"))[0] == b"v1"
    await one.set("report", b"v2", ttl=60)
    await until(lambda: two.tier.get("report") is None)
    assert (await two.get("report"))[0] == b"v2"
    missing = (await two.get("new"))[0]  # an absent entry is kept too, until it appears
    assert missing is None and two.tier.get("new") is not None
    await one.set("new", b"here", ttl=60)
    await until(lambda: two.tier.get("new") is None)
    assert (await two.get("new"))[0] == b"here"


async def test_a_flush_empties_every_copy(workers: Callable[..., RedisStore],
                                          redis_server: RedisServer) -> None:  # noqa: F811
    one = workers()
    await tracked(one)
    await one.set("a", b"1", ttl=None)
    await asyncio.sleep(0.02)
    assert (await one.get("a"))[0] == b"1" and len(one.tier) == 1
    redis.Redis.from_url(redis_server.url).flushdb()
    await until(lambda: len(one.tier) == 0)
    assert await one.get("a") == (None, 0)


async def test_a_read_under_way_when_its_key_changes_does_not_fill_the_copy() -> None:
    """The race of client-side caching: the old value arrives after the message that it
    changed; it is returned to its reader but never kept."""
    tier = LocalTier(1 << 20)
    tier.live = True
    ticket = tier.ticket("k")
    tier.drop("k")  # Redis: k changed (the message overtook the reply)
    tier.fill(ticket, "k", b"old", 0)
    assert tier.get("k") is None and tier.epoch() == 0  # the epoch did not change
    ticket = tier.ticket("k")
    tier.drop_epoch()  # an invalidation: the epoch read with it is old too
    tier.fill(ticket, "k", b"v", 0)
    assert tier.epoch() is None and tier.get("k") is None
    ticket = tier.ticket("k")
    tier.clear()  # the tracking connection went down
    tier.fill(ticket, "k", b"v", 0)
    assert len(tier) == 0


async def test_the_copy_is_bounded_by_bytes(workers: Callable[..., RedisStore]) -> None:
    store = workers(local_bytes=10_000)
    await tracked(store)
    for i in range(100):
        await store.set(f"k{i}", b"x" * 500, ttl=None)
    await asyncio.sleep(0.05)
    for i in range(100):
        await store.get(f"k{i}")
    assert store.tier.bytes <= 10_000 and 0 < len(store.tier) < 100
    assert (await store.get("k0"))[0] == b"x" * 500  # evicted here, still in Redis


async def test_a_restarted_redis_empties_the_copy_and_caching_resumes() -> None:
    server = RedisServer()
    server.start()
    store = RedisStore(server.url, retry_interval=0.1)
    try:
        await tracked(store)
        await store.set("a", b"1", ttl=None)
        assert (await store.get("a"))[0] == b"1"
        server.stop()
        await until(lambda: not store.tier.live, within=1)
        assert await store.get("a") == (None, -1)  # Redis down: a miss, never the old copy
        server.start()  # the same port, empty: "a" is gone
        deadline = time.monotonic() + 5
        while not store.tier.live:
            assert time.monotonic() < deadline, "tracking did not come back"
            await store.epoch()
            await asyncio.sleep(0.05)
        assert await store.get("a") == (None, 0)
        await store.set("a", b"2", ttl=None)
        await asyncio.sleep(0.02)
        assert (await store.get("a"))[0] == b"2"
        assert store.tier.get("a") == (b"2", 0)
    finally:
        await store.close()
        server.stop()
