"""What a render hands out: what it came to before the first byte, as a value (rendered,
redirected, missing, failed: converted at the renderer's boundary, never thrown through the
App), and the fills that follow it, in the order they finish; and how the renders of a
layout's slots run side by side (:func:`gather`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from panes.core.metadata import Head

if TYPE_CHECKING:  # the response's task group, handed in by the App
    from panes.http.connection import Work

#: A render to run, and whether it may wait (see :func:`gather`).
Job = tuple[Callable[[], Awaitable[str]], bool]


@dataclass(frozen=True, slots=True)
class Rendered:
    """The document's HTML, and its head (``None`` while it is pending)."""

    html: str
    head: Head | None = None


@dataclass(frozen=True, slots=True)
class Redirected:
    """A ``redirect()`` before the first byte: where to (within the mount path)."""

    url: str
    status: int


@dataclass(frozen=True, slots=True)
class Missing:
    """A ``not_found()`` that no ``not_found.py`` caught (or a placed slot with nothing)."""


@dataclass(frozen=True, slots=True)
class Failed:
    """An error that no ``error.py`` caught before the first byte."""

    error: Exception


@dataclass(frozen=True, slots=True)
class Parts:
    """The regions of a soft navigation, rendered: their HTML, in the order asked for."""

    html: tuple[str, ...]


#: What a render before the first byte comes to (see :meth:`Renderer.result`).
Result = Rendered | Redirected | Missing | Failed


@dataclass(frozen=True, slots=True)
class Fill:
    """Content that arrives after the first flush: it replaces region ``target``'s content,
    or sends the browser to ``redirect``."""

    target: str
    html: str
    flushed: asyncio.Event  # set once this fill is sent: fills inside it wait for it
    redirect: str | None = None


class Fills:
    """The fills of one response: the tasks that make them (each in the response's
    :class:`~panes.http.connection.Work`), and the queue they are handed out from."""

    def __init__(self, work: Work | None) -> None:
        self.work = work
        self._queue: asyncio.Queue[Fill] | None = None  # made with the first streamed slot
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsent = 0

    @property
    def streaming(self) -> bool:
        """Whether fills are still to come after the first flush."""
        return self._unsent > 0

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Make a fill in a task of the response's group (it ends with the response)."""
        if self._queue is None:
            self._queue = asyncio.Queue()
        self._unsent += 1
        assert self.work is not None  # (a renderer that streams has the response's)
        task = self.work.start(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def put(self, fill: Fill) -> None:
        assert self._queue is not None  # (made when the fill was started)
        self._queue.put_nowait(fill)

    @overload
    def each(self) -> AsyncIterator[Fill]: ...

    @overload
    def each(self, beat: float) -> AsyncIterator[Fill | None]: ...

    def each(self, beat: float | None = None) -> AsyncIterator[Fill | None]:
        """The fills in the order they finish; the caller sets ``flushed`` once it sent one.
        With ``beat``: also ``None`` each time no fill came for that many seconds."""
        return self._every(beat)  # (typed apart: without a beat, never None)

    async def _every(self, beat: float | None) -> AsyncIterator[Fill | None]:
        while self._unsent:
            assert self._queue is not None
            try:
                async with asyncio.timeout(beat):  # (a wait for the queue stops cleanly)
                    fill = await self._queue.get()
            except TimeoutError:
                yield None
                continue
            self._unsent -= 1
            yield fill

    def close(self) -> None:
        """Cancel the fills still running (no stream will send them)."""
        for task in self._tasks:
            task.cancel()

    @property
    def running(self) -> bool:
        """Whether a fill's task is still running."""
        return bool(self._tasks)


async def gather(*jobs: Job) -> list[str]:
    """Run the jobs: those that may wait concurrently, a task each in one task group, the
    others in turn in this task (a task costs more than most pages; a function that never
    waits gains nothing from one: then no group is made at all). The first failure cancels
    the rest, and is raised as it was (not in an exception group)."""
    waits = [may_wait for _, may_wait in jobs]
    if len(jobs) < 2 or not any(waits):
        return [await job() for job, _ in jobs]
    results: list[str] = [""] * len(jobs)

    async def into(i: int, job: Callable[[], Awaitable[str]]) -> None:
        results[i] = await job()

    failure: BaseException | None = None
    try:
        async with asyncio.TaskGroup() as group:
            for i, (job, may_wait) in enumerate(jobs):
                if may_wait:
                    group.create_task(into(i, job))
            for i, (job, may_wait) in enumerate(jobs):
                if not may_wait:  # (in this task, meanwhile)
                    results[i] = await job()
    except BaseExceptionGroup as failed:
        failed.__traceback__ = None  # (its frame holds it: no cycle left behind)
        failure = failed.exceptions[0]
    if failure is not None:
        try:
            raise failure
        finally:
            failure = None
    return results
