"""What an app keeps across requests, made once per plan, URL or page and looked up after: a
dict bounded by how many items it holds *and* by the bytes of text they hold (URLs, HTML,
signed states), so that an app seeing ever new, ever longer URLs stays in bounds. An item
larger than a 256th of the bound is not kept at all: a request that brings a huge URL pays for
its own work and leaves nothing behind."""

from __future__ import annotations

import sys
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: How many items a :class:`Kept` holds before it starts over.
LIMIT = 4096
#: How many bytes of text a :class:`Kept` holds before it starts over.
MAX_BYTES = 4 * 1024 * 1024


def size_of(*texts: str | bytes | None) -> int:
    """The bytes that ``texts`` take in memory (a ``str`` of non-Latin-1 text takes 2 or 4 a
    character): what an item that holds them costs a :class:`Kept`."""
    return sum(sys.getsizeof(text) for text in texts if text)


class Kept(dict[K, V]):
    """A dict that starts over once it holds ``limit`` items or ``max_bytes`` of text (the
    next ones are made again)."""

    def __init__(self, limit: int = LIMIT, max_bytes: int = MAX_BYTES) -> None:
        super().__init__()
        self.limit = limit
        self.max_bytes = max_bytes
        self.bytes = 0

    def keep(self, key: K, value: V, size: int = 0) -> V:
        """Keep ``value`` for ``key``; the value, for ``found = kept.keep(key, made)``.
        ``size``: the bytes of text the key and value hold (see :func:`size_of`)."""
        if size > self.max_bytes // 256:
            return value  # large: made again for each request that brings it
        if len(self) >= self.limit or self.bytes + size > self.max_bytes:
            self.clear()
        self[key] = value
        self.bytes += size
        return value

    def clear(self) -> None:
        super().clear()
        self.bytes = 0
