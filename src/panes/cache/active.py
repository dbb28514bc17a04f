"""Which cache ``panes.revalidate_tag`` and ``panes.revalidate_path`` act on.

User code calls them without a handle (from an action, a route handler, a background task), so
the cache is found from the code's surroundings: the app sets the *active* cache in a context
variable around everything it runs (``activate``), which asyncio copies into tasks created
there and ``asyncio.to_thread`` into threads. Code that runs outside any request (a thread of
its own, a scheduler started at import) finds the cache the app *installed* for the process,
when exactly one is installed. With no cache found they do nothing: nothing is cached then,
so there is nothing to invalidate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from panes.cache.region import RegionCache, _Done

logger = logging.getLogger("panes.cache")

_active: ContextVar[RegionCache | None] = ContextVar("panes_cache", default=None)
_installed: list[RegionCache] = []


def activate(cache: RegionCache | None) -> Token[RegionCache | None]:
    """Make ``cache`` the one invalidations reach in this context (the app, per request)."""
    return _active.set(cache)


def deactivate(token: Token[RegionCache | None]) -> None:
    _active.reset(token)


@contextmanager
def active(cache: RegionCache | None) -> Iterator[None]:
    """``with active(cache):`` for code that runs outside the app (scripts, tests)."""
    token = _active.set(cache)
    try:
        yield
    finally:
        _active.reset(token)


def install(cache: RegionCache) -> None:
    """The process's cache for code outside any request (the app, at startup)."""
    if cache not in _installed:
        _installed.append(cache)


def uninstall(cache: RegionCache) -> None:
    """Forget ``cache`` (the app, at shutdown)."""
    if cache in _installed:
        _installed.remove(cache)


def current_cache() -> RegionCache | None:
    """The active cache, else the one installed cache, else ``None``."""
    cache = _active.get()
    if cache is not None:
        return cache
    if len(_installed) == 1:
        return _installed[0]
    return None


def revalidate_tag(tag: str) -> Awaitable[None]:
    """Drop the cached regions whose file lists ``tag`` in ``TAGS``, everywhere the cache is
    shared. The next request for them renders them again; a page rendered after this (the
    page an action refreshes) shows fresh content. Returns an awaitable you may ignore:
    awaiting it waits until the shared store has applied it. Does nothing when no app with a
    cache is running."""
    cache = current_cache()
    return _Done() if cache is None else cache.revalidate_tag(tag)


def revalidate_path(path: str) -> Awaitable[None]:
    """Drop the cached regions shown at URL ``path`` (``"/inbox"``; as the app sees it,
    without a mount prefix): the pages rendered for it and the layouts around them.
    Returns an awaitable you may ignore; does nothing when no app with a cache is running."""
    cache = current_cache()
    return _Done() if cache is None else cache.revalidate_path(path)
