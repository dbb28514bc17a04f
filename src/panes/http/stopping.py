"""Knowing, inside a worker, that the server was asked to stop (SIGINT or SIGTERM).

granian stops a worker by closing its socket and waiting for every open response to end: one
that never ends by itself (the live-reload stream of an open tab), or a lifespan still
starting, would hold Ctrl-C for ever. Those wait on :func:`stopping` too.

The handler added here chains to the one it replaces, and the event loop of the server still
hears of the signal through its wakeup file descriptor (which Python writes whatever the
handler): the server stops as it did, only sooner.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import weakref
from types import FrameType
from typing import Any

__all__ = ["stopping", "watch_boot"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_events: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = (
    weakref.WeakKeyDictionary())
_handlers: dict[int, Any] = {}  # the handler set here for each signal
_booting: list[int] = []  # stop signals kept by watch_boot


def watch_boot() -> None:
    """Keep a stop signal that arrives while a worker builds its app (before the server has
    set its handlers: it would be lost, and the worker would go on to start and serve): the
    event of :func:`stopping` is then set from the start, and the lifespan's start-up (see
    :class:`panes.http.lifespan.StartupWatch`) ends the worker instead."""
    for sig in SIGNALS:
        before = signal.getsignal(sig)

        def keep(signum: int, frame: FrameType | None, before: Any = before) -> None:
            _booting.append(signum)
            if callable(before):
                before(signum, frame)

        with contextlib.suppress(ValueError):  # not the main thread: nothing to keep
            signal.signal(sig, keep)


def stopping() -> asyncio.Event:
    """An event of the running loop, set once this process receives SIGINT or SIGTERM.

    Watching starts at the first call (made in the loop, once the server has set its own
    handlers). Outside the main thread no handler can be set: the event is then never set,
    and whatever waits on it waits as it would have without it."""
    loop = asyncio.get_running_loop()
    event = _events.get(loop)
    if event is None:
        event = _events[loop] = asyncio.Event()
    for sig in SIGNALS:
        current = signal.getsignal(sig)
        if current is not _handlers.get(sig):  # not set yet, or replaced since
            try:
                signal.signal(sig, _chained(current))
            except ValueError:  # not the main thread (a test server in a thread)
                break
            _handlers[sig] = signal.getsignal(sig)
    if _booting:
        event.set()
    return event


def _chained(before: Any) -> Any:
    def handler(signum: int, frame: FrameType | None) -> None:
        for loop, event in list(_events.items()):
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)
        if callable(before):
            before(signum, frame)
        elif before == signal.SIG_DFL:  # what it would have done: end the process
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    return handler
