"""What ``route.py``, ``middleware.py`` and ``lifespan.py`` must define, checked when the app
directory loads: each gives functions that are not regions (methods, a middleware, a lifespan),
so the loader asks here instead of :func:`panes.appdir.loader._function`; ``panes check`` reports
the problems.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import ModuleType
from typing import Any

from panes.appdir.signatures import declared
from panes.core.errors import Problem
from panes.core.kinds import FILE_KINDS, METHODS

__all__ = ["MIDDLEWARE_ARGUMENTS", "ROUTE_ARGUMENTS", "LifespanFactory", "load_lifespan",
           "load_middleware", "load_route"]

#: The arguments a route handler may declare (those of every function, see :mod:`panes.core.kinds`).
ROUTE_ARGUMENTS = FILE_KINDS["route"].arguments
#: The arguments ``middleware()`` may declare.
MIDDLEWARE_ARGUMENTS = FILE_KINDS["middleware"].arguments
#: What ``lifespan()`` is: called with the app, an async context manager around serving.
LifespanFactory = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]


def load_route(module: ModuleType, file: str) -> tuple[Mapping[str, Callable[..., Any]] | None,
                                                       list[Problem]]:
    """The method functions a route.py module defines (by lowercase name), and the problems
    ``panes check`` reports: unknown arguments, arguments by position, upper-case method names
    (``GET``, as in Next.js), a route.py that defines no method at all."""
    problems: list[Problem] = []
    found: dict[str, Callable[..., Any]] = {}
    for method in METHODS:
        upper = getattr(module, method.upper(), None)
        func = getattr(module, method, None)
        if callable(upper) and not callable(func):
            problems.append(Problem(file, f"it defines {method.upper()}(): panes uses "
                                    "lowercase method names",
                                    f"rename it to `def {method}(...)`"))
            continue
        if callable(func) and declared(func, method, file, ROUTE_ARGUMENTS, problems):
            found[method] = func
    if not found and not problems:
        problems.append(Problem(file, "it defines no method function",
                                "add `async def get(request)` (or post, put, patch, delete)"))
    if problems:
        return None, problems
    return found, problems


def load_middleware(module: ModuleType, file: str) -> tuple[Callable[..., Any] | None,
                                                            list[Problem]]:
    """The ``middleware`` function of an imported ``app/middleware.py``, or its problems."""
    func = getattr(module, "middleware", None)
    if not callable(func):
        return None, [Problem(file, "it defines no function named middleware()",
                              "add `async def middleware(request, call_next): "
                              "return await call_next(request)`")]
    problems: list[Problem] = []
    declared(func, "middleware", file, MIDDLEWARE_ARGUMENTS, problems)
    if not inspect.iscoroutinefunction(inspect.unwrap(func)):
        problems.append(Problem(file, "middleware() is not async",
                                "write `async def middleware(request, call_next)`: "
                                "call_next must be awaited"))
    return (None if problems else func), problems


def load_lifespan(module: ModuleType, file: str) -> tuple[LifespanFactory | None, list[Problem]]:
    """The ``lifespan`` function of an imported ``app/lifespan.py``, or the problem with it."""
    func = getattr(module, "lifespan", None)
    if not callable(func):
        return None, [Problem(file, "it defines no function named lifespan()",
                              "add `@asynccontextmanager` over "
                              "`async def lifespan(app): ... yield {...}`")]
    wrapped = inspect.unwrap(func)
    if getattr(func, "__code__", None) is _DECORATED and not inspect.isasyncgenfunction(wrapped):
        if inspect.isgeneratorfunction(wrapped):
            return None, [Problem(file, "lifespan() is a plain generator (`def`) under "
                                        "@asynccontextmanager", "write `async def lifespan(app):`")]
        return None, [Problem(file, "lifespan() has @asynccontextmanager but no `yield`",
                              "`yield` once, where the app serves: after the start-up code, "
                              "before the shutdown code (`yield {\"pool\": pool}` makes the "
                              "`state` argument, a bare `yield` gives none)"
                              + ("" if inspect.iscoroutinefunction(wrapped)
                                 else ", in an `async def lifespan(app):`"))]
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


@asynccontextmanager
async def _probe() -> AsyncIterator[None]:
    yield  # pragma: no cover - never entered


_DECORATED = getattr(_probe, "__code__", None)  # the code of what @asynccontextmanager returns


def _returns_cm(func: Callable[..., Any]) -> bool:
    """A class or function that is not a generator: trusted to return a context manager."""
    return inspect.isclass(func) or not (inspect.isgeneratorfunction(inspect.unwrap(func))
                                         or inspect.iscoroutinefunction(inspect.unwrap(func)))
