"""The cache logic: fresh hits, stale-while-revalidate, single-flight renders, invalidation.

``get_or_render(key, render, revalidate, tags, paths)`` answers from the store while the entry
is fresh. An expired entry is still answered once more (stale-while-revalidate) while one
background render replaces it: one per key in this process (a task per key), and one across
processes (a short lock in the store, ``SET NX PX`` in Redis). A failing background render
keeps the old entry and logs the error; the next request tries again. A miss renders once for
all the concurrent requests of its key (the others await the same task), and the failure of
that render is every waiter's failure, as if each had rendered it.

Time comes from ``clock`` (wall-clock seconds, shared by every process of a Redis store), so
tests move time instead of sleeping. An entry records when it goes stale; the store keeps it
``stale_for`` seconds longer (after that a request renders it as a miss).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import struct
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from panes.cache.paths import invalidated_by, normalize_path
from panes.cache.store import MemoryStore, Store

logger = logging.getLogger("panes.cache")

Reads: TypeAlias = Mapping[str, tuple[str, ...]]
_Produce: TypeAlias = Callable[[int], Awaitable[tuple[str, Reads]]]
_HEADER = struct.Struct("<d")


@dataclass(slots=True)
class Ledger:
    """What the cached regions of one response came to: whether each was a fresh hit (no
    miss, nothing stale), until when all of them stay fresh, and the epoch they were read at.
    A response whose ledger stays ``complete`` can be answered again without looking at its
    regions one by one, until ``fresh_until`` or the next invalidation (the epoch moves)."""

    complete: bool = True
    fresh_until: float = math.inf
    epoch: int | None = None

    def hit(self, fresh_until: float, epoch: int, now: float) -> None:
        if now >= fresh_until or (self.epoch is not None and epoch != self.epoch) or epoch < 0:
            self.complete = False
        self.epoch = epoch
        self.fresh_until = min(self.fresh_until, fresh_until)

    def miss(self) -> None:
        self.complete = False


class RegionCache:
    """Cached regions over one ``Store`` (in process by default)."""

    def __init__(self, store: Store | None = None, *, clock: Callable[[], float] = time.time,
                 stale_for: float = 24 * 3600, lock_ttl: float = 30.0) -> None:
        self.store: Store = store if store is not None else MemoryStore(clock=clock)
        self.clock = clock
        self.stale_for = stale_for
        self.lock_ttl = lock_ttl
        self._flights: dict[str, asyncio.Future[tuple[str, Reads]]] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        #: the invalidations started here that are still being applied to the store
        self.pending: set[asyncio.Future[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"RegionCache({self.store!r})"

    # -- reading ----------------------------------------------------------------------------

    async def get_or_render(self, key: str, render: Callable[[], Awaitable[str]],
                            revalidate: float, tags: Collection[str] = (),
                            paths: Collection[str] = (), ledger: Ledger | None = None) -> str:
        """The region's HTML: from the cache, or ``render()``ed (and stored).

        ``revalidate`` is seconds the entry stays fresh (``math.inf``: until invalidated;
        ``0`` or less: not cached, ``render()`` runs every time). ``tags`` name the entry for
        ``revalidate_tag``; ``paths`` are the URL paths it was rendered for (``"/inbox/3"``),
        or ``"/inbox/*"`` for a region shown at a path and every path below it (a layout).
        """
        if not revalidate > 0:
            return await render()

        async def produce(epoch: int) -> tuple[str, Reads]:
            html = await render()
            await self._store(key, html, revalidate, tags, paths, epoch)
            return html, {}

        html, _ = await self._cached(key, produce, revalidate, ledger)
        return html

    async def peek(self, key: str, render: Callable[[], Awaitable[str]], revalidate: float,
                   tags: Collection[str] = (), paths: Collection[str] = (),
                   ledger: Ledger | None = None) -> str | None:
        """The cached HTML if there is an entry (refreshing it in the background when stale),
        else ``None`` without rendering: a slot with a ``loading.py`` asks this first, so
        content that is cached is sent at once, with no loading UI; on ``None`` it streams the
        loading UI and calls ``get_or_render`` in the stream."""
        if not revalidate > 0:
            return None
        if self.pending:
            await self._settle()
        value, epoch = await self.store.get(key)
        if value is None:
            if ledger is not None:
                ledger.miss()
            return None

        async def produce(epoch: int) -> tuple[str, Reads]:
            html = await render()
            await self._store(key, html, revalidate, tags, paths, epoch)
            return html, {}

        return self._hit(key, value, produce, epoch, ledger)

    async def get_or_render_varying(
            self, key: str, render: Callable[[], Awaitable[tuple[str, Reads]]],
            lookup: Callable[[str], Sequence[str]], revalidate: float,
            tags: Collection[str] = (), paths: Collection[str] = (),
            ledger: Ledger | None = None) -> tuple[str, Reads]:
        """Like ``get_or_render`` for output that depends on values read while rendering.

        A layout that calls ``selected_layout_segment(s)`` shows a different active tab for
        each value it read: ``render()`` returns the HTML and those reads (slot -> segments),
        and ``lookup(slot)`` gives the value a slot has for this request without rendering.
        The cache remembers which slots the file reads (the union of every render's reads,
        like an HTTP ``Vary``) and keys each entry by their values, so a cached layout never
        shows another URL's tab and a layout that reads nothing is one entry for every URL.
        Returns the HTML and the reads it stands for (what the navigation state records).
        """
        if not revalidate > 0:
            return await render()
        if self.pending:
            await self._settle()
        spec_key = key + "~vary"
        spec, epoch = await self.store.get(spec_key)
        if spec is None:
            if ledger is not None:
                ledger.miss()

            async def discover(epoch: int) -> tuple[str, Reads]:
                html, reads = await render()
                names = await self._grow_spec(spec_key, (), reads, revalidate)
                full = _varied(key, names, reads)
                await self._store(full, html, revalidate, tags, paths, epoch)
                return html, _tuples(reads)

            html, reads = await self._flight(spec_key, discover, epoch)
            if _agrees(reads, lookup):
                return html, reads
            names = tuple(sorted(reads))
        else:
            names = tuple(json.loads(spec))
        values = {name: tuple(lookup(name)) for name in names}
        full = _varied(key, names, values)

        async def produce(epoch: int) -> tuple[str, Reads]:
            html, reads = await render()
            if set(reads) <= set(names):
                await self._store(full, html, revalidate, tags, paths, epoch)
                return html, _tuples(reads)
            grown = await self._grow_spec(spec_key, names, reads, revalidate)
            values = {**{n: tuple(lookup(n)) for n in grown}, **_tuples(reads)}
            await self._store(_varied(key, grown, values), html, revalidate, tags, paths, epoch)
            return html, _tuples(reads)

        html, reads = await self._cached(full, produce, revalidate, ledger)
        if not reads:
            return html, values
        if _agrees(reads, lookup):
            return html, reads
        return await render()  # a concurrent render read more than this key says: no sharing

    async def _cached(self, key: str, produce: _Produce, revalidate: float,
                      ledger: Ledger | None = None) -> tuple[str, Reads]:
        """From the store if there (refreshing it in the background when stale), else one
        render for every concurrent request of ``key``. Reads are ``{}`` for a hit."""
        if self.pending:
            await self._settle()
        value, epoch = await self.store.get(key)
        if value is not None:
            return self._hit(key, value, produce, epoch, ledger), {}
        if ledger is not None:
            ledger.miss()
        return await self._flight(key, produce, epoch)

    def _hit(self, key: str, value: bytes, produce: _Produce, epoch: int,
             ledger: Ledger | None = None) -> str:
        """An entry's HTML; a stale one starts its background render."""
        (fresh_until,) = _HEADER.unpack_from(value)
        now = self.clock()
        if ledger is not None:
            ledger.hit(fresh_until, epoch, now)
        if now >= fresh_until:
            self._refresh(key, produce, epoch)
        return value[_HEADER.size:].decode()

    async def _flight(self, key: str, produce: _Produce, epoch: int) -> tuple[str, Reads]:
        """Join the render of ``key`` under way in this process, or start it.

        The render is a task of its own, so a request that goes away does not cancel it for
        the others (it still completes and is stored).
        """
        future = self._flights.get(key)
        if future is None:
            self._bind()
            future = asyncio.ensure_future(produce(epoch))
            self._flights[key] = future
            future.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(future)

    def _landed(self, key: str, future: asyncio.Future[tuple[str, Reads]]) -> None:
        if self._flights.get(key) is future:
            del self._flights[key]
        if not future.cancelled():
            future.exception()  # retrieved: waiters re-raise it, no "never retrieved" warning

    def _refresh(self, key: str, produce: _Produce, epoch: int) -> None:
        """Start the one background render of a stale ``key`` (unless one is running)."""
        if key in self._refreshing:
            return
        self._bind()
        task = asyncio.ensure_future(self._background(key, produce, epoch))
        self._refreshing[key] = task
        task.add_done_callback(lambda _: self._refreshing.pop(key, None))

    async def _background(self, key: str, produce: _Produce, epoch: int) -> None:
        if not await self.store.lock("refresh:" + key, self.lock_ttl):
            return  # another process is refreshing it
        try:
            await produce(epoch)
        except Exception:
            logger.exception("cache: re-rendering %s failed; the stale entry stays", key)
        finally:
            await self.store.unlock("refresh:" + key)

    async def _store(self, key: str, html: str, revalidate: float, tags: Collection[str],
                     paths: Collection[str], epoch: int) -> None:
        value = _HEADER.pack(self.clock() + revalidate) + html.encode()
        ttl = None if math.isinf(revalidate) else revalidate + self.stale_for
        await self.store.set(key, value, ttl=ttl, tags=tags,
                             paths=[normalize_path(p) for p in paths], epoch=epoch)

    async def _grow_spec(self, spec_key: str, names: Collection[str], reads: Reads,
                         revalidate: float) -> tuple[str, ...]:
        """Record that ``spec_key``'s file reads these slots too; the new list of slots."""
        current, _ = await self.store.get(spec_key)
        known = set(json.loads(current)) if current is not None else set()
        grown = tuple(sorted(known | set(names) | set(reads)))
        if current is None or len(grown) > len(known):
            ttl = None if math.isinf(revalidate) else revalidate + self.stale_for
            await self.store.set(spec_key, json.dumps(grown).encode(), ttl=ttl)
        return grown

    # -- invalidation -----------------------------------------------------------------------

    def revalidate_tag(self, *tags: str) -> Awaitable[None]:
        """Drop every entry tagged with one of ``tags``: the next request renders it.

        Callable from sync code: the deletion starts now, and this cache's next lookup in
        this process waits for it, so a page rendered after an action shows fresh content.
        Awaiting the result waits until every process sharing the store sees it.
        """
        return self._schedule(self.store.delete_tags(tags))

    def revalidate_path(self, path: str) -> Awaitable[None]:
        """Drop every entry rendered for URL path ``path`` (and those of the layouts shown
        there: entries stored with ``"<ancestor>/*"``)."""
        return self._schedule(self.store.delete_paths(invalidated_by(path)))

    def _schedule(self, work: Awaitable[None]) -> Awaitable[None]:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        mine = self._loop
        if loop is not None and (mine is None or mine is loop or not mine.is_running()):
            self._loop = loop
            future = asyncio.ensure_future(work)
            self.pending.add(future)
            future.add_done_callback(self._settled)
            return future
        if mine is not None and mine.is_running():
            # another thread (a worker thread of the server): hand it to the cache's loop
            concurrent = asyncio.run_coroutine_threadsafe(_awaited(work), mine)
            mine.call_soon_threadsafe(self._track, concurrent)
            return _Done()
        asyncio.run(_awaited(work))  # no loop anywhere (a script): do it now
        return _Done()

    def _track(self, concurrent: Any) -> None:
        future: asyncio.Future[None] = asyncio.wrap_future(concurrent)
        self.pending.add(future)
        future.add_done_callback(self._settled)

    def _settled(self, future: asyncio.Future[None]) -> None:
        self.pending.discard(future)
        if not future.cancelled() and future.exception() is not None:
            logger.error("cache: invalidation failed", exc_info=future.exception())

    async def _settle(self) -> None:
        await asyncio.gather(*self.pending, return_exceptions=True)

    async def settle(self) -> None:
        """Wait until the invalidations started here are applied (before an action's answer
        goes out, so that the page it leads to, on any worker, is rendered without them)."""
        while self.pending:
            await self._settle()

    async def epoch(self) -> int:
        """The store's invalidation counter (``-1`` when it cannot be read)."""
        if self.pending:
            await self._settle()
        return await self.store.epoch()

    def _bind(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def idle(self) -> None:
        """Wait until no background render or invalidation of this cache is under way."""
        while self._refreshing or self.pending:
            await asyncio.gather(*self._refreshing.values(), *self.pending,
                                 return_exceptions=True)

    async def close(self) -> None:
        """Stop background renders, wait for invalidations, release the store's connections."""
        for task in list(self._refreshing.values()):
            task.cancel()
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)
        await self._settle()
        await self.store.close()


class _Done:
    """An awaitable with nothing left to wait for."""

    def __await__(self) -> Any:
        return iter(())


async def _awaited(work: Awaitable[None]) -> None:
    await work


def _tuples(reads: Reads) -> dict[str, tuple[str, ...]]:
    return {name: tuple(value) for name, value in reads.items()}


def _agrees(reads: Reads, lookup: Callable[[str], Sequence[str]]) -> bool:
    return all(tuple(lookup(name)) == tuple(value) for name, value in reads.items())


def _varied(key: str, names: Collection[str], values: Reads) -> str:
    canonical = json.dumps([[n, list(values[n])] for n in sorted(names)], separators=(",", ":"))
    return f"{key}|{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"
