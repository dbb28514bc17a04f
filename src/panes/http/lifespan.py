"""``app/lifespan.py``: what runs once per worker around serving, and the ``state`` argument.

::

    # app/lifespan.py
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        pool = await open_pool()
        yield {"pool": pool}        # the `state` argument of every function
        await pool.close()

The ASGI lifespan protocol (as Starlette's router answers it): ``startup.complete`` once the
context is entered, ``startup.failed`` with the error if entering raised (uvicorn then stops
with that message: the server does not start), ``shutdown.complete`` once it is exited
(``shutdown.failed`` if exiting raised). The yielded dict goes into the lifespan scope's
``state``, which servers copy into every request's scope (Starlette's lifespan state:
``request.state.pool`` works too), and into :attr:`Lifespan.state` for servers without it.

Mounted inside a Starlette or FastAPI app, panes gets no lifespan messages (Starlette does not
forward them to mounted apps): pass ``Starlette(lifespan=panes_app.lifespan.context)``.
"""

from __future__ import annotations

import asyncio
import inspect
import linecache
import traceback
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from types import MappingProxyType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from panes.appdir.specials import LifespanFactory

__all__ = ["STARTUP_TIMEOUT", "Lifespan", "StartupWatch", "State"]



class State(Mapping[str, Any]):
    """The ``state`` argument: a read-only view of the lifespan state (``state["pool"]``)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = MappingProxyType(data if data is not None else {})

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise KeyError(f"{key!r} is not in the lifespan state (app/lifespan.py yields "
                           f"{sorted(self._data) or 'nothing'})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"State({dict(self._data)!r})"


class Lifespan:
    """Runs a user's ``lifespan(app)`` for ``app``; ``factory=None`` only answers the protocol.

    ``file`` names the user's file in error messages.
    """

    def __init__(self, factory: LifespanFactory | None, app: Any = None, *,
                 file: str = "app/lifespan.py") -> None:
        if factory is not None and inspect.isasyncgenfunction(factory):
            factory = asynccontextmanager(factory)  # the decorator forgotten: it is meant
        self.factory = factory
        self.app = app
        self.file = file
        self.state = State()

    def state_for(self, scope: Scope) -> State:
        """The ``state`` argument for a request: its scope's lifespan state when the server
        keeps one, else what this lifespan yielded."""
        data = scope.get("state")
        return State(data) if data is not None else self.state

    @asynccontextmanager
    async def context(self, app: Any = None) -> AsyncIterator[dict[str, Any]]:
        """The user's lifespan as a Starlette ``lifespan=``: yields the state dict."""
        if self.factory is None:
            yield {}
            return
        async with AsyncExitStack() as stack:
            manager = self.factory(self.app if self.app is not None else app)
            entering = (self.file, manager)
            _starting.append(entering)  # (for StartupWatch: where a stuck one waits)
            try:
                value = await stack.enter_async_context(manager)
            finally:
                _starting.remove(entering)
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"lifespan() in {self.file} yielded {type(value).__name__}: "
                                "yield a dict (the `state` argument), or nothing")
            data = dict(value or {})
            self.state = State(data)
            yield data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the ASGI lifespan protocol until shutdown."""
        message = await receive()
        if message["type"] != "lifespan.startup":  # pragma: no cover - servers start first
            return
        started = False
        try:
            async with self.context() as data:
                if data and "state" in scope:
                    scope["state"].update(data)
                started = True
                await send({"type": "lifespan.startup.complete"})
                while (await receive())["type"] != "lifespan.shutdown":
                    pass  # pragma: no cover - only shutdown follows startup
        except BaseException as exc:
            text = "".join(traceback.format_exception(exc))
            if started:
                await send({"type": "lifespan.shutdown.failed",
                            "message": f"{self.file}: lifespan() raised while shutting "
                                       f"down:\n{text}"})
            else:
                await send({"type": "lifespan.startup.failed",
                            "message": f"{self.file}: lifespan() raised while starting "
                                       f"up:\n{text}"})
            if not isinstance(exc, Exception):
                raise
            return
        await send({"type": "lifespan.shutdown.complete"})


#: Seconds a lifespan may take to start (reach its ``yield``) under ``panes dev|start``.
STARTUP_TIMEOUT = 30.0

_starting: list[tuple[str, Any]] = []  # (file, context manager) of lifespans being entered


class StartupWatch:
    """Around an app, for the server's lifespan messages: a start-up still unfinished after
    ``timeout`` seconds (or when the worker is asked to stop) fails, with a message that names
    the file and the line it waits at, instead of a worker that holds every request for ever.

    ``failed`` is called when a start-up fails (it raised, or timed out): ``panes start`` then
    stops the server, as gunicorn does when a worker cannot boot.
    """

    def __init__(self, app: ASGIApp, timeout: float | None,
                 failed: Callable[[], None] = lambda: None) -> None:
        self.app = app
        self.timeout = timeout or None
        self.failed = failed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        from panes.http.stopping import stopping

        stop = stopping()
        if stop.is_set():  # asked to stop while the app was being built: no start-up at all
            await receive()
            await send({"type": "lifespan.startup.failed",
                        "message": "stopped before the app's lifespan started"})
            return
        settled = asyncio.Event()
        over = False

        async def sending(message: Message) -> None:
            if over:  # the start-up was given up: what the app says now is too late
                return
            kind = message["type"]
            if kind.startswith("lifespan.startup."):
                settled.set()
                if kind == "lifespan.startup.failed":
                    self.failed()
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, sending))
        waits = [asyncio.ensure_future(settled.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait([task, *waits], timeout=self.timeout,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        if settled.is_set() or task.done():
            await task  # serving, until shutdown (or the app's own error, as before)
            return
        stopped = stop.is_set()
        over = True
        text = stuck_message(self.timeout or 0, stopped)
        task.cancel()
        await asyncio.wait([task], timeout=1)  # (a lifespan that swallows it is left behind)
        await send({"type": "lifespan.startup.failed", "message": text})
        if not stopped:
            self.failed()


def stuck_message(timeout: float, stopped: bool = False) -> str:
    """What a start-up that did not finish was doing: each lifespan still being entered, with
    the line it waits at."""
    when = ("was stopped before it reached `yield`" if stopped
            else f"did not reach `yield` within {timeout:g} s")
    fix = "" if stopped else (
        ". Fix: make what it waits for fail fast (a connection timeout), or give it longer: "
        "--startup-timeout SECONDS (PANES_STARTUP_TIMEOUT)")
    if not _starting:
        return (f"the app's lifespan startup {'was stopped' if stopped else 'did not finish'}"
                f"{'' if stopped else f' within {timeout:g} s'}{fix}")
    return "\n".join(f"{file}: lifespan() {when}{_waits_at(manager)}{fix}"
                     for file, manager in _starting)


def _waits_at(manager: Any) -> str:
    """``; it waits at line 6: `await db.connect()` `` for an ``@asynccontextmanager``."""
    frame = getattr(getattr(manager, "gen", None), "ag_frame", None)
    if frame is None:
        return ""
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"; it waits at line {frame.f_lineno}" + (f": `{code}`" if code else "")
