"""What an app keeps across requests, made once per plan, URL or page and looked up after: a
dict bounded by how many items it holds, so that an app seeing ever new URLs stays in bounds."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: How many items a :class:`Kept` holds before it starts over.
LIMIT = 4096


class Kept(dict[K, V]):
    """A dict that starts over once it holds ``limit`` items (the next ones are made again)."""

    def __init__(self, limit: int = LIMIT) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key``; the value, for ``found = kept.keep(key, made)``."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
