"""Where cached regions live: the interface every store keeps, and the in-process store.

A store holds opaque bytes under a key, with two indexes for invalidation (tag -> keys and
path -> keys) and an *epoch*, a counter that every invalidation raises. A render reads the
epoch when it starts (along with the entry it missed) and stores only if no invalidation
happened since (``set(..., epoch=...)``): without it, a render that read the data before an
action changed it could store the old HTML right after the action's ``revalidate_tag``, and a
``revalidate = inf`` page would show it until the next invalidation.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol

#: What an entry costs beyond its bytes (the key, the bookkeeping): counted against the bound.
OVERHEAD = 200


class Store(Protocol):
    """The async interface the cache needs; ``MemoryStore`` and ``RedisStore`` implement it."""

    async def get(self, key: str) -> tuple[bytes | None, int]:
        """The value (``None`` when absent or expired) and the current epoch."""

    async def set(self, key: str, value: bytes, *, ttl: float | None,
                  tags: Collection[str] = (), paths: Collection[str] = (),
                  epoch: int | None = None) -> bool:
        """Store for ``ttl`` seconds (``None``: until evicted or invalidated), indexed by tags
        and paths; unless ``epoch`` is given and an invalidation has happened since. Returns
        whether it stored."""

    async def epoch(self) -> int:
        """The current epoch (``-1`` when it cannot be read)."""

    async def delete_tags(self, tags: Collection[str]) -> None:
        """Delete every entry stored with one of ``tags``; raise the epoch."""

    async def delete_paths(self, paths: Collection[str]) -> None:
        """Delete every entry stored with one of ``paths``; raise the epoch."""

    async def lock(self, key: str, ttl: float) -> bool:
        """Take a lock named ``key`` for at most ``ttl`` seconds; ``False`` if it is held."""

    async def unlock(self, key: str) -> None:
        """Release a lock this store took."""

    async def close(self) -> None:
        """Release connections."""


@dataclass(slots=True)
class _Item:
    value: bytes
    expires: float | None
    tags: Collection[str]
    paths: Collection[str]
    size: int


class MemoryStore:
    """In one process, bounded by bytes: the least recently used entries go first.

    The bound counts each value's bytes, its key, the tags and paths it is indexed under,
    plus ``OVERHEAD``; a value larger than the whole bound
    is not stored (it would evict everything and then itself). ``clock`` decides expiry, so
    tests move time instead of sleeping.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024,
                 clock: Callable[[], float] = time.time) -> None:
        self.max_bytes = max_bytes
        self.clock = clock
        self.bytes = 0
        self._items: OrderedDict[str, _Item] = OrderedDict()
        self._tags: dict[str, set[str]] = {}
        self._paths: dict[str, set[str]] = {}
        self._locks: dict[str, float] = {}
        self._epoch = 0

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, key: str) -> tuple[bytes | None, int]:
        item = self._items.get(key)
        if item is None:
            return None, self._epoch
        if item.expires is not None and item.expires <= self.clock():
            self._remove(key)
            return None, self._epoch
        self._items.move_to_end(key)
        return item.value, self._epoch

    async def set(self, key: str, value: bytes, *, ttl: float | None,
                  tags: Collection[str] = (), paths: Collection[str] = (),
                  epoch: int | None = None) -> bool:
        if epoch is not None and epoch != self._epoch:
            return False
        self._remove(key)
        # the names it is indexed under count too (a page's path is as long as its URL)
        size = len(value) + len(key) + OVERHEAD + sum(map(len, (*tags, *paths)))
        if size > self.max_bytes:
            return False
        expires = None if ttl is None else self.clock() + ttl
        self._items[key] = _Item(value, expires, tuple(tags), tuple(paths), size)
        self.bytes += size
        for tag in tags:
            self._tags.setdefault(tag, set()).add(key)
        for path in paths:
            self._paths.setdefault(path, set()).add(key)
        while self.bytes > self.max_bytes:
            self._remove(next(iter(self._items)))
        return True

    async def epoch(self) -> int:
        return self._epoch

    async def delete_tags(self, tags: Collection[str]) -> None:
        self._epoch += 1
        for tag in tags:
            for key in self._tags.pop(tag, set()).copy():
                self._remove(key)

    async def delete_paths(self, paths: Collection[str]) -> None:
        self._epoch += 1
        for path in paths:
            for key in self._paths.pop(path, set()).copy():
                self._remove(key)

    async def lock(self, key: str, ttl: float) -> bool:
        now = self.clock()
        if self._locks.get(key, now) > now:
            return False
        self._locks[key] = now + ttl
        return True

    async def unlock(self, key: str) -> None:
        self._locks.pop(key, None)

    async def close(self) -> None:
        return None

    def _remove(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is None:
            return
        self.bytes -= item.size
        for index, names in ((self._tags, item.tags), (self._paths, item.paths)):
            for name in names:
                keys = index.get(name)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[name]
