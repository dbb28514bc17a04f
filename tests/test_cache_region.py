"""The region cache over both stores: hits, expiry, stale-while-revalidate, single-flight,
invalidation by tag and path, and Redis shared by two workers, lost and found again.

Time is a fake clock the tests move; Redis is a real ``redis-server`` on a free loopback port.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

import panes
from panes.cache import MemoryStore, RegionCache, active, install, uninstall
from panes.cache.redis_store import RedisStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    """Wall-clock seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Renders:
    """A render function that counts its calls and returns ``name vN``; ``gate`` holds it."""

    def __init__(self, name: str = "region") -> None:
        self.name = name
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def __call__(self) -> str:
        self.calls += 1
        n = self.calls
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError(f"{self.name} broke")
        return f"{self.name} v{n}"


def count_lookups(cache: RegionCache) -> Callable[[], int]:
    """Count the store look-ups the cache makes (a request joins a render after its own)."""
    done = 0
    store_get = cache.store.get

    async def counted(key: str):  # type: ignore[no-untyped-def]
        nonlocal done
        found = await store_get(key)
        done += 1
        return found

    cache.store.get = counted  # type: ignore[method-assign]
    return lambda: done


async def until(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds (a look-up in Redis is slow on a loaded machine), then
    let every task that was waiting for it run once more."""
    for _ in range(1000):
        if condition():
            break
        await asyncio.sleep(0.005)
    assert condition()
    for _ in range(3):
        await asyncio.sleep(0)


class RedisServer:
    """A throwaway ``redis-server``: no persistence, loopback only, stopped at the end."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (make test installs Debian's)")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


_prefixes = itertools.count()


@pytest.fixture(params=["memory", "redis"])
async def make_cache(request: pytest.FixtureRequest, clock: Clock
                     ) -> AsyncIterator[Callable[[], RegionCache]]:
    """Caches over one store: each call is another worker (over Redis: the same server)."""
    made: list[RegionCache] = []
    if request.param == "memory":
        store = MemoryStore(clock=clock)

        def make() -> RegionCache:
            made.append(RegionCache(store, clock=clock))
            return made[-1]
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        prefix = f"t{next(_prefixes)}:"

        def make() -> RegionCache:
            made.append(RegionCache(RedisStore(server.url, prefix=prefix), clock=clock))
            return made[-1]

    yield make
    for cache in made:
        await cache.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def get(cache: RegionCache, render: Callable[[], Awaitable[str]], revalidate: float = 60,
              key: str = "page.py#1", tags: tuple[str, ...] = (),
              paths: tuple[str, ...] = ()) -> str:
    return await cache.get_or_render(key, render, revalidate, tags, paths)


# -- freshness ---------------------------------------------------------------------------------


async def test_a_fresh_entry_is_served_without_rendering(make_cache: Callable[[], RegionCache],
                                                         clock: Clock) -> None:
    cache, render = make_cache(), Renders()
    assert await get(cache, render) == "region v1"
    clock.advance(59)
    assert await get(cache, render) == "region v1"
    assert render.calls == 1


async def test_revalidate_zero_renders_every_time(make_cache: Callable[[], RegionCache]) -> None:
    cache, render = make_cache(), Renders()
    assert [await get(cache, render, revalidate=0) for _ in range(3)] == [
        "region v1", "region v2", "region v3"]


async def test_infinity_lasts_until_invalidated(make_cache: Callable[[], RegionCache],
                                                clock: Clock) -> None:
    cache, render = make_cache(), Renders()
    await get(cache, render, revalidate=math.inf, tags=("t",))
    clock.advance(10 * 365 * 24 * 3600)
    assert await get(cache, render, revalidate=math.inf, tags=("t",)) == "region v1"
    await cache.idle()
    assert render.calls == 1
    await cache.revalidate_tag("t")
    assert await get(cache, render, revalidate=math.inf) == "region v2"


async def test_stale_is_served_while_one_background_render_replaces_it(
        make_cache: Callable[[], RegionCache], clock: Clock) -> None:
    cache, render = make_cache(), Renders()
    await get(cache, render)
    clock.advance(61)
    render.gate = asyncio.Event()
    # many requests while the entry is stale: all get the old HTML, one render runs
    stale = await asyncio.gather(*(get(cache, render) for _ in range(10)))
    assert stale == ["region v1"] * 10
    await asyncio.sleep(0)
    assert render.calls == 2
    render.gate.set()
    await cache.idle()
    assert await get(cache, render) == "region v2"
    assert render.calls == 2


async def test_a_failing_rerender_keeps_the_old_entry_and_logs(
        make_cache: Callable[[], RegionCache], clock: Clock,
        caplog: pytest.LogCaptureFixture) -> None:
    cache, render = make_cache(), Renders()
    await get(cache, render)
    clock.advance(61)
    render.fail = True
    with caplog.at_level(logging.ERROR, "panes.cache"):
        assert await get(cache, render) == "region v1"
        await cache.idle()
    assert "region broke" in caplog.text
    render.fail = False
    assert await get(cache, render) == "region v1"  # still stale: tried again in the background
    await cache.idle()
    assert await get(cache, render) == "region v3"


async def test_expired_beyond_stale_for_is_a_miss(clock: Clock) -> None:
    cache = RegionCache(clock=clock, stale_for=100)
    render = Renders()
    await get(cache, render)
    clock.advance(60 + 100)
    assert await get(cache, render) == "region v2"


async def test_peek_answers_from_the_cache_without_rendering_a_miss(
        make_cache: Callable[[], RegionCache], clock: Clock) -> None:
    """What a slot with a loading.py asks first: cached content is sent with no loading UI."""
    cache, render = make_cache(), Renders()
    assert await cache.peek("page.py#1", render, 60) is None
    assert render.calls == 0
    await get(cache, render)
    assert await cache.peek("page.py#1", render, 60) == "region v1"
    clock.advance(61)
    assert await cache.peek("page.py#1", render, 60) == "region v1"  # stale: refreshed behind
    await cache.idle()
    assert await cache.peek("page.py#1", render, 60) == "region v2"
    assert await cache.peek("page.py#1", render, 0) is None


# -- single flight -----------------------------------------------------------------------------


async def test_fifty_concurrent_misses_render_once(make_cache: Callable[[], RegionCache]) -> None:
    cache, render = make_cache(), Renders()
    render.gate = asyncio.Event()
    looked_up = count_lookups(cache)
    gets = asyncio.gather(*(get(cache, render) for _ in range(50)))
    await until(lambda: looked_up() == 50)
    render.gate.set()
    assert await gets == ["region v1"] * 50
    assert render.calls == 1


async def test_a_failed_miss_fails_its_waiters_and_is_not_stored(
        make_cache: Callable[[], RegionCache]) -> None:
    cache, render = make_cache(), Renders()
    render.fail, render.gate = True, asyncio.Event()
    looked_up = count_lookups(cache)
    results = asyncio.gather(*(get(cache, render) for _ in range(5)), return_exceptions=True)
    await until(lambda: looked_up() == 5)
    render.gate.set()
    results = await results
    assert all(isinstance(r, RuntimeError) for r in results)
    assert render.calls == 1
    render.fail, render.gate = False, None
    assert await get(cache, render) == "region v2"


async def test_a_request_that_goes_away_does_not_cancel_the_render_for_others(
        make_cache: Callable[[], RegionCache]) -> None:
    cache, render = make_cache(), Renders()
    render.gate = asyncio.Event()
    looked_up = count_lookups(cache)
    first = asyncio.ensure_future(get(cache, render))
    second = asyncio.ensure_future(get(cache, render))
    await until(lambda: looked_up() == 2)
    first.cancel()
    render.gate.set()
    assert await second == "region v1"
    assert render.calls == 1


# -- invalidation ------------------------------------------------------------------------------


async def test_revalidate_tag_drops_only_what_it_names(make_cache: Callable[[], RegionCache]
                                                       ) -> None:
    cache = make_cache()
    inbox, team = Renders("inbox"), Renders("team")
    await get(cache, inbox, key="inbox", tags=("messages",))
    await get(cache, team, key="team", tags=("people",))
    await cache.revalidate_tag("messages")
    assert await get(cache, inbox, key="inbox", tags=("messages",)) == "inbox v2"
    assert await get(cache, team, key="team", tags=("people",)) == "team v1"


async def test_revalidate_path_drops_what_that_url_shows(make_cache: Callable[[], RegionCache]
                                                         ) -> None:
    cache = make_cache()
    regions = {
        "root layout": ("/*",), "inbox layout": ("/inbox/*",), "message 3": ("/inbox/3",),
        "message 4": ("/inbox/4",), "settings": ("/settings",),
    }
    renders = {name: Renders(name) for name in regions}

    async def show() -> dict[str, str]:
        return {name: await get(cache, renders[name], key=name, paths=paths)
                for name, paths in regions.items()}

    await show()
    await cache.revalidate_path("/inbox/3/")
    assert await show() == {"root layout": "root layout v2", "inbox layout": "inbox layout v2",
                            "message 3": "message 3 v2", "message 4": "message 4 v1",
                            "settings": "settings v1"}


async def test_an_invalidation_during_a_render_keeps_its_result_out_of_the_cache(
        make_cache: Callable[[], RegionCache]) -> None:
    """The render read the data before the action changed it: it must not be stored."""
    cache, render = make_cache(), Renders()
    render.gate = asyncio.Event()
    pending = asyncio.ensure_future(get(cache, render, tags=("messages",)))
    await until(lambda: render.calls == 1)
    await cache.revalidate_tag("messages")
    render.gate.set()
    assert await pending == "region v1"
    assert await get(cache, render, tags=("messages",)) == "region v2"


async def test_two_workers_see_each_others_entries_and_invalidations(
        make_cache: Callable[[], RegionCache]) -> None:
    one, two = make_cache(), make_cache()
    render = Renders()
    assert await get(one, render, tags=("messages",), paths=("/inbox",)) == "region v1"
    assert await get(two, render, tags=("messages",), paths=("/inbox",)) == "region v1"
    assert render.calls == 1
    await two.revalidate_tag("messages")
    assert await get(one, render, tags=("messages",), paths=("/inbox",)) == "region v2"
    await one.revalidate_path("/inbox")
    assert await get(two, render, tags=("messages",), paths=("/inbox",)) == "region v3"


async def test_one_background_render_across_workers(make_cache: Callable[[], RegionCache],
                                                    clock: Clock) -> None:
    workers = [make_cache() for _ in range(3)]
    render = Renders()
    await get(workers[0], render)
    clock.advance(61)
    render.gate = asyncio.Event()
    assert [await get(w, render) for w in workers] == ["region v1"] * 3
    await asyncio.sleep(0.05)
    render.gate.set()
    for worker in workers:
        await worker.idle()
    assert render.calls == 2
    assert await get(workers[2], render) == "region v2"


# -- a layout's reads --------------------------------------------------------------------------


async def test_a_layout_is_cached_per_tab_it_shows(make_cache: Callable[[], RegionCache]) -> None:
    """A layout that reads ``selected_layout_segment`` gets an entry per value it read; one that
    reads nothing is one entry for every URL."""
    cache = make_cache()
    calls = []

    def layout(url: str, reads_tab: bool) -> Callable[[], Awaitable[tuple[str, dict[str, tuple[str, ...]]]]]:
        async def render() -> tuple[str, dict[str, tuple[str, ...]]]:
            calls.append(url)
            if not reads_tab:
                return "nav", {}
            tab = url.split("/")[1]
            return f"nav active={tab}", {"children": (tab,)}
        return render

    async def show(url: str, reads_tab: bool = True) -> tuple[str, object]:
        def lookup(slot: str) -> tuple[str, ...]:
            return (url.split("/")[1],) if slot == "children" else ()
        key = "layout.py#tabs" if reads_tab else "layout.py#plain"
        return await cache.get_or_render_varying(key, layout(url, reads_tab), lookup, 60)

    assert await show("/inbox/1") == ("nav active=inbox", {"children": ("inbox",)})
    assert await show("/inbox/2") == ("nav active=inbox", {"children": ("inbox",)})
    assert await show("/sent/1") == ("nav active=sent", {"children": ("sent",)})
    assert await show("/sent/9") == ("nav active=sent", {"children": ("sent",)})
    assert calls == ["/inbox/1", "/sent/1"]
    assert await show("/inbox/1", False) == ("nav", {})
    assert await show("/sent/1", False) == ("nav", {})
    assert calls == ["/inbox/1", "/sent/1", "/inbox/1"]


async def test_concurrent_first_renders_of_a_layout_never_share_another_tab(
        make_cache: Callable[[], RegionCache]) -> None:
    cache = make_cache()
    gate = asyncio.Event()

    async def show(tab: str) -> str:
        async def render() -> tuple[str, dict[str, tuple[str, ...]]]:
            await gate.wait()
            return f"active={tab}", {"children": (tab,)}
        html, _ = await cache.get_or_render_varying("layout.py#x", render, lambda _: (tab,), 60)
        return html

    shown = asyncio.gather(*(show(tab) for tab in ["a", "b", "a", "c", "b"]))
    await asyncio.sleep(0.01)
    gate.set()
    assert await shown == ["active=a", "active=b", "active=a", "active=c", "active=b"]


# -- panes.revalidate_tag / revalidate_path ----------------------------------------------------


async def test_module_functions_reach_the_active_cache(clock: Clock) -> None:
    cache, render = RegionCache(clock=clock), Renders()
    await get(cache, render, tags=("messages",), paths=("/inbox",))
    panes.revalidate_tag("messages")  # no cache active: nothing happens
    assert await get(cache, render, tags=("messages",)) == "region v1"
    with active(cache):
        panes.revalidate_tag("messages")  # not awaited, as from a sync action
        assert await get(cache, render, tags=("messages",), paths=("/inbox",)) == "region v2"

        async def background_task() -> None:
            await panes.revalidate_path("/inbox")

        task = asyncio.ensure_future(background_task())  # inherits the active cache
    await task
    assert await get(cache, render, tags=("messages",), paths=("/inbox",)) == "region v3"
    with active(cache):
        await asyncio.to_thread(panes.revalidate_tag, "messages")  # from a worker thread
    await asyncio.sleep(0.01)
    assert await get(cache, render, tags=("messages",)) == "region v4"


async def test_code_outside_any_request_reaches_the_installed_cache(clock: Clock) -> None:
    cache, render = RegionCache(clock=clock), Renders()
    await get(cache, render, tags=("messages",))
    install(cache)
    try:
        await panes.revalidate_tag("messages")
    finally:
        uninstall(cache)
    assert await get(cache, render, tags=("messages",)) == "region v2"


# -- the in-process store ----------------------------------------------------------------------


async def test_memory_store_evicts_the_least_recently_used_by_bytes() -> None:
    store = MemoryStore(max_bytes=3 * (1000 + 1 + 200))
    for key in "abc":
        assert await store.set(key, b"x" * 1000, ttl=None)
    assert (await store.get("a"))[0] is not None  # a is now the most recent
    await store.set("d", b"x" * 1000, ttl=None)
    assert [k for k in "abcd" if (await store.get(k))[0] is not None] == ["a", "c", "d"]
    assert store.bytes <= store.max_bytes
    assert not await store.set("huge", b"x" * 10_000, ttl=None)
    assert len(store) == 3


async def test_memory_store_forgets_expired_entries_and_their_indexes(clock: Clock) -> None:
    store = MemoryStore(clock=clock)
    await store.set("a", b"1", ttl=10, tags=["t"], paths=["/a"])
    clock.advance(10)
    assert (await store.get("a"))[0] is None
    assert store.bytes == 0
    await store.set("b", b"1", ttl=None, tags=["t"], paths=["/a"])
    await store.delete_tags(["t"])
    assert len(store) == 0 and store.bytes == 0


# -- Redis lost and found ----------------------------------------------------------------------


async def test_a_lost_redis_degrades_to_rendering_and_recovers(
        clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    cache = RegionCache(RedisStore(server.url, retry_interval=0), clock=clock)
    render = Renders()
    try:
        await get(cache, render)
        assert await get(cache, render) == "region v1"
        server.stop()
        await asyncio.sleep(0.1)  # the worker notices: its tracking connection closed
        with caplog.at_level(logging.WARNING, "panes.cache"):
            assert [await get(cache, render) for _ in range(3)] == [
                "region v2", "region v3", "region v4"]
            await cache.revalidate_tag("anything")
            assert sum("unreachable" in r.message for r in caplog.records) == 1
            server.start()  # the same port, empty
            assert await get(cache, render) == "region v5"
            assert await get(cache, render) == "region v5"
            assert "reachable again" in caplog.text
    finally:
        await cache.close()
        server.stop()


async def test_a_dead_redis_does_not_stall_requests(clock: Clock) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    cache = RegionCache(RedisStore(f"redis://127.0.0.1:{port}/0"), clock=clock)
    render = Renders()
    start = time.perf_counter()
    for _ in range(20):
        await get(cache, render)
    assert time.perf_counter() - start < 1.0
    assert render.calls == 20
    await cache.close()
