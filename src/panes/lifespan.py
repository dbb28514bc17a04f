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

import inspect
import traceback
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import MappingProxyType, ModuleType
from typing import Any

from starlette.types import Receive, Scope, Send

from .errors import Problem

__all__ = ["Lifespan", "LifespanFactory", "State", "load_lifespan", "run_lifespan"]

LifespanFactory = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]


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
        async with self.factory(self.app if self.app is not None else app) as value:
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


async def run_lifespan(factory: LifespanFactory | None, app: Any, scope: Scope,
                       receive: Receive, send: Send) -> State:
    """Run ``factory(app)`` through the lifespan protocol (see :class:`Lifespan`); returns the
    state it yielded, once shut down."""
    lifespan = Lifespan(factory, app)
    await lifespan(scope, receive, send)
    return lifespan.state


def load_lifespan(module: ModuleType, file: str) -> tuple[LifespanFactory | None, list[Problem]]:
    """The ``lifespan`` function of an imported ``app/lifespan.py``, or the problem with it."""
    func = getattr(module, "lifespan", None)
    if not callable(func):
        return None, [Problem(file, "it defines no function named lifespan()",
                              "add `@asynccontextmanager` over "
                              "`async def lifespan(app): ... yield {...}`")]
    wrapped = inspect.unwrap(func)
    if not (inspect.isasyncgenfunction(wrapped) or inspect.isasyncgenfunction(func)
            or hasattr(func, "__aenter__") or _returns_cm(func)):
        return None, [Problem(file, "lifespan() is not an async context manager",
                              "write `@asynccontextmanager` over `async def lifespan(app):` "
                              "and `yield` once")]
    try:
        required = [p for p in inspect.signature(func).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                            p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        required = []
    if len(required) != 1:
        return None, [Problem(file, f"lifespan() takes {len(required)} arguments",
                              "declare exactly one: `async def lifespan(app)`")]
    return func, []


def _returns_cm(func: Callable[..., Any]) -> bool:
    """A class or function that is not a generator: trusted to return a context manager."""
    return inspect.isclass(func) or not (inspect.isgeneratorfunction(inspect.unwrap(func))
                                         or inspect.iscoroutinefunction(inspect.unwrap(func)))
