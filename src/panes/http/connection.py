"""One request's side of its connection: the body in (bounded), whether the client has left,
and the answer out.

A server may take a cancelled ``receive()`` as the client leaving: granian (2.8.6 and later)
answers the next ``receive()`` of that request with ``http.disconnect``. A watcher cancelled
once (a page that finished before its client left) made the stream that followed stop as if
the client had gone. So the server's ``receive`` is called by one reader task per request,
never cancelled while the response is under way; the body's reader and whoever waits for the
client to leave (any number of them, cancelled as they like) are told by that task.

The answer goes out through :meth:`Connection.send`, the one wrapper of the server's ``send``:
it holds the answer's start until the invalidations the request started are applied (after an
action's ``revalidate_tag``, the page it redirects to is rendered fresh by whichever worker
serves it), turns a redirect answering the client runtime into a redirect record (``fetch``
would follow it silently, leaving the old URL in the address bar), and sends nothing once the
body has passed the app's limit (the 413 goes instead).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from starlette.types import Message, Receive, Scope, Send

from panes.cache.region import RegionCache
from panes.core import protocol

DISCONNECT: Message = {"type": "http.disconnect"}
SCOPE_KEY = "panes.http.connection"
WORK_KEY = "panes.work"  # the response's :class:`Work`
T = TypeVar("T")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TOO_LARGE = b"Request body too large"


class BodyTooLarge(Exception):
    """Raised from :meth:`Connection.receive` when the body passes the app's limit."""


class Connection:
    """What the server says of one request, read once and told to every reader.

    :meth:`receive` gives the body's messages in order (``BodyTooLarge`` past ``limit``
    bytes), then waits until the client leaves and says so; :meth:`left` waits for that
    without taking any of the body; :meth:`send` is the answer's way out (see the module);
    :meth:`close` ends the reader once the response is complete.
    """

    __slots__ = ("_cache", "_ended", "_left", "_limit", "_messages", "_reader", "_ready",
                 "_receive", "_received", "_send", "_soft", "_taken", "redirected", "started",
                 "too_large")

    def __init__(self, receive: Receive, send: Send | None = None, *,
                 limit: int | None = None, scope: Scope | None = None,
                 cache: RegionCache | None = None) -> None:
        self._receive = receive
        self._send = send
        self._limit = limit
        self._received = 0
        # the client runtime asks (it sends its state): a redirect becomes a record
        self._soft = scope is not None and any(
            name == b"panes-state" for name, _ in scope["headers"])
        self._cache = cache  # whose invalidations an answer waits for
        self.started = False  # the answer's start has gone out
        self.redirected = False  # a redirect record went instead of the answer
        self.too_large = False  # the body passed the limit: the 413 goes instead
        self._messages: deque[Message] = deque()
        self._ready = asyncio.Event()  # a body message is waiting, or the client has left
        self._taken = asyncio.Event()  # every body message read so far has been taken
        self._left = asyncio.Event()
        self._ended = False  # the body's last message has been read from the server
        self._reader: asyncio.Task[None] | None = None

    async def receive(self) -> Message:
        self._start()
        while not self._messages:
            if self._left.is_set():
                return DISCONNECT
            self._ready.clear()
            await self._ready.wait()  # cancelling this touches nothing of the server's
        message = self._messages.popleft()
        if not self._messages:
            self._taken.set()
        if self._limit is not None:
            self._received += len(message.get("body", b""))
            if self._received > self._limit:
                self.too_large = True
                raise BodyTooLarge
        return message

    def declares_too_large(self, scope: Scope) -> bool:
        """Whether ``Content-Length`` says the body is over the limit (nothing need run)."""
        if self._limit is None:
            return False
        for name, value in scope["headers"]:
            if name == b"content-length":
                return value.isdigit() and int(value) > self._limit
        return False

    async def send(self, message: Message) -> None:
        """The answer out (see the module)."""
        if self.too_large or self.redirected or self._send is None:
            return
        if message["type"] == "http.response.start":
            self.started = True
            if self._cache is not None and self._cache.pending:
                await self._cache.settle()
            if self._soft and message["status"] in REDIRECTS:
                headers = message.get("headers", ())
                location = next((v for k, v in headers if k.lower() == b"location"), None)
                if location is not None:
                    self.redirected = True
                    record = protocol.RedirectRecord(location.decode("latin-1"))
                    await self._answer(200, protocol.frame(record).encode(), [
                        (b"content-type", protocol.MEDIA_TYPE.encode()),
                        (b"cache-control", protocol.PRIVATE.encode()),
                        *((k, v) for k, v in headers if k.lower() == b"set-cookie")])
                    return
        await self._send(message)

    async def refuse(self) -> None:
        """The 413 for a body over the limit, if the answer has not started (Connection:
        close, so that the server does not read the rest of the body to reuse the line)."""
        if not self.started:
            await self._answer(413, _TOO_LARGE, [(b"content-type", b"text/plain; charset=utf-8"),
                                                 (b"connection", b"close")])

    async def _answer(self, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        assert self._send is not None
        self.started = True
        await self._send({"type": "http.response.start", "status": status, "headers": [
            *headers, (b"content-length", str(len(body)).encode())]})
        await self._send({"type": "http.response.body", "body": body})

    async def left(self) -> None:
        """Returns once the client has gone (never, under a server that does not say so)."""
        self._start()
        await self._left.wait()

    def _start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        """The one caller of the server's ``receive``: the body no faster than it is taken,
        then the disconnect."""
        while True:
            if self._messages and not self._ended:
                self._taken.clear()
                await self._taken.wait()
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._left.set()
                self._ready.set()
                return
            if message["type"] != "http.request" or self._ended:
                return  # a server that repeats the end of the body never says who left
            self._ended = not message.get("more_body", False)
            self._messages.append(message)
            self._ready.set()

    async def close(self) -> None:
        """The response is complete: nothing will ask again."""
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


class Gone(Exception):
    """The client left: raised by the watcher, it cancels everything its response started."""


class Work(asyncio.TaskGroup):
    """Everything one response starts, in one task group: the slots that render side by
    side, the fills that stream, and the one watcher that cancels all of it (and the request's
    own task) when the client leaves. Entered around the whole response, from the render to
    the stream's last byte: nothing a request started outlives it.

    Work that never waits starts nothing: no task, no watcher (most pages never wait). The
    group's first task starts the watcher; work about to wait in the request's own task calls
    :meth:`watch`. What is still running when the response is complete (the watcher, the fills
    of a render that failed) is cancelled as the group closes.
    """

    def __init__(self, scope: Scope, receive: Receive) -> None:
        super().__init__()
        connection = scope.get(SCOPE_KEY)
        self._connection = connection if isinstance(connection, Connection) \
            else Connection(receive)
        self._started: set[asyncio.Task[Any]] = set()
        self._watcher: asyncio.Task[None] | None = None

    async def __aexit__(  # type: ignore[override]  # (True: the client left, nothing to raise)
            self, kind: type[BaseException] | None, exc: BaseException | None,
            tb: TracebackType | None) -> bool:
        if self._watcher is None:  # nothing started: the fast path
            return False
        if kind is not asyncio.CancelledError:
            for task in self._started:  # the response is complete (or failed): the rest stops
                task.cancel()
            kind = exc = tb = None  # (an exception of the request's own goes on unwrapped)
        try:
            await super().__aexit__(kind, exc, tb)
        except BaseExceptionGroup as failed:
            if failed.split(Gone)[1] is not None:
                raise
            return True  # the client left: nothing to answer, nothing to report
        return False

    def start(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run ``work`` as a task of this response's group (watched, as the group's first)."""
        self.watch()
        return self._start(work)

    def watch(self) -> None:
        """Make sure the client leaving cancels this response (from now on)."""
        if self._watcher is None:
            self._watcher = self._start(self._watch())

    def _start(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = self.create_task(work)
        self._started.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._started.discard(task)
        if task.cancelled():  # taken, so that the task no longer holds it: its traceback
            with contextlib.suppress(asyncio.CancelledError):  # holds the task's frame
                task.result()

    async def _watch(self) -> None:
        await self._connection.left()
        raise Gone
