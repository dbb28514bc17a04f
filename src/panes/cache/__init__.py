"""Caching rendered regions: keys, stores (in process, Redis), and the cache logic.

``create_cache()`` builds what an app uses: a ``RegionCache`` over Redis when
``PANES_CACHE_URL`` is set, else over a ``MemoryStore`` (whose invalidations reach the other
workers of the machine, when the server runs several: ``peers``). ``revalidate_tag`` and
``revalidate_path`` act on the cache of the running app (see ``active``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from panes.cache.active import (
    activate,
    active,
    current_cache,
    deactivate,
    install,
    revalidate_path,
    revalidate_tag,
    uninstall,
)
from panes.cache.keys import build_id, cache_key
from panes.cache.paths import below, invalidated_by, normalize_path
from panes.cache.region import RegionCache
from panes.cache.store import MemoryStore, Store
from panes.cache.workers import several_workers

DEFAULT_MAX_BYTES = 64 * 1024 * 1024

logger = logging.getLogger("panes.cache")


def create_cache(url: str | None = None, *, max_bytes: int | None = None,
                 clock: Callable[[], float] = time.time) -> RegionCache:
    """The app's cache: Redis at ``url`` (default ``PANES_CACHE_URL``) if given, else in
    process. ``max_bytes`` (default ``PANES_CACHE_MAX_BYTES``, else 64 MiB) bounds what a
    worker holds: the cache itself, or its own copy of what it read from Redis."""
    url = url if url is not None else os.environ.get("PANES_CACHE_URL") or None
    if max_bytes is None:
        max_bytes = int(os.environ.get("PANES_CACHE_MAX_BYTES", DEFAULT_MAX_BYTES))
    if url:
        from panes.cache.redis_store import RedisStore

        prefix = os.environ.get("PANES_CACHE_PREFIX", "panes:")
        return RegionCache(RedisStore(url, prefix=prefix, local_bytes=max_bytes), clock=clock)
    store: Store = MemoryStore(max_bytes, clock=clock)
    if several_workers():
        try:
            from panes.cache.peers import PeerStore

            store = PeerStore(store)
        except OSError as exc:
            logger.warning(
                "cache: this server runs several workers, and they cannot tell each other of "
                "invalidations (%s): revalidate_tag/revalidate_path reach only the worker that "
                "calls them. Set PANES_CACHE_URL=redis://… to share the cache.", exc)
    return RegionCache(store, clock=clock)


__all__ = [
    "DEFAULT_MAX_BYTES",
    "MemoryStore",
    "RegionCache",
    "Store",
    "activate",
    "active",
    "below",
    "build_id",
    "cache_key",
    "create_cache",
    "current_cache",
    "deactivate",
    "install",
    "invalidated_by",
    "normalize_path",
    "revalidate_path",
    "revalidate_tag",
    "uninstall",
]
