"""The worker's own copy of what it read from Redis, so that a hit costs no round trip.

Redis tells every worker which keys changed (``tracking``); this tier keeps what was read and
forgets a key as soon as Redis says it changed. A read that was under way when its key changed
must not put the old value back: each read takes a *ticket* for its key before asking Redis,
an invalidation voids the tickets of its keys, and only a read whose ticket is still valid
fills the tier (the usual race of client-side caching, closed as the Redis docs advise).

Absent entries are kept too (``None``): Redis tells of a key that appears as of one that
changes. The tier is bounded by bytes, least recently used first out; it is used only while
the tracking connection is up (``live``), and emptied whenever it goes down or comes back,
since what changed meanwhile is unknown.
"""

from __future__ import annotations

from collections import OrderedDict

#: What an entry costs beyond its bytes (the key, the bookkeeping): counted against the bound.
OVERHEAD = 200

#: Reads under way tracked at most (reads abandoned midway, a request cancelled, leave theirs).
MAX_READS = 4096


class Ticket:
    """The right to fill the tier with what one read returns, void once its keys change."""

    __slots__ = ()


class LocalTier:
    """Values by key (``None``: absent in Redis) and the epoch, as last read from Redis."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.live = False
        self.bytes = 0
        self._items: OrderedDict[str, bytes | None] = OrderedDict()
        self._epoch: int | None = None
        self._reads: dict[str, Ticket] = {}
        self._epoch_read: Ticket | None = None

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> tuple[bytes | None, int] | None:
        """``(value, epoch)`` when both are known here, else ``None`` (ask Redis)."""
        epoch = self._epoch
        if epoch is None:
            return None
        items = self._items
        if key not in items:
            return None
        items.move_to_end(key)
        return items[key], epoch

    def epoch(self) -> int | None:
        return self._epoch

    def ticket(self, key: str | None) -> Ticket | None:
        """Before asking Redis for ``key`` (``None``: the epoch alone) and the epoch."""
        if not self.live:
            return None
        ticket = Ticket()
        if key is not None:
            if len(self._reads) >= MAX_READS:
                self._reads.clear()  # voids them: those reads are answered, not kept
            self._reads[key] = ticket
        self._epoch_read = ticket
        return ticket

    def fill(self, ticket: Ticket | None, key: str | None, value: bytes | None,
             epoch: int) -> None:
        """Keep what a read returned, unless its key (or the epoch) changed since it began."""
        if ticket is None:
            return
        if self._epoch_read is ticket:
            self._epoch = epoch
            self._epoch_read = None
        if key is None or self._reads.get(key) is not ticket:
            return
        del self._reads[key]
        self._remove(key)
        size = len(key) + OVERHEAD + (len(value) if value is not None else 0)
        if size > self.max_bytes:
            return
        self._items[key] = value
        self.bytes += size
        while self.bytes > self.max_bytes:
            self._remove(next(iter(self._items)))

    def drop(self, key: str) -> None:
        """``key`` changed in Redis."""
        self._reads.pop(key, None)
        self._remove(key)

    def drop_epoch(self) -> None:
        """The epoch changed in Redis (an invalidation)."""
        self._epoch = None
        self._epoch_read = None

    def clear(self) -> None:
        """Forget everything, and void every read under way."""
        self._items.clear()
        self._reads.clear()
        self.bytes = 0
        self.drop_epoch()

    def _remove(self, key: str) -> None:
        if key in self._items:
            value = self._items.pop(key)
            self.bytes -= len(key) + OVERHEAD + (len(value) if value is not None else 0)
