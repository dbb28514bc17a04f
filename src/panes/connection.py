"""One request's side of its connection: the body, then whether the client has left.

A server may take a cancelled ``receive()`` as the client leaving: granian (2.8.6 and later)
answers the next ``receive()`` of that request with ``http.disconnect``. A watcher cancelled
once (a page that finished before its client left) made the stream that followed stop as if
the client had gone. So the server's ``receive`` is called by one reader task per request,
never cancelled while the response is under way; the body's reader and whoever waits for the
client to leave (any number of them, cancelled as they like) are told by that task.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from starlette.types import Message, Receive, Scope

DISCONNECT: Message = {"type": "http.disconnect"}
SCOPE_KEY = "panes.connection"


class Connection:
    """What the server says of one request, read once and told to every reader.

    :meth:`receive` gives the body's messages in order, then waits until the client leaves
    and says so; :meth:`left` waits for that without taking any of the body; :meth:`close`
    ends the reader once the response is complete.
    """

    __slots__ = ("_ended", "_gone", "_left", "_messages", "_reader", "_ready", "_receive",
                 "_taken")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
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
        return message

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


async def disconnected(scope: Scope, receive: Receive) -> None:
    """Returns once the client has gone, without taking the body from its reader (under
    :class:`Connection`; ASGI apps outside it read ``receive`` until it says so)."""
    connection = scope.get(SCOPE_KEY)
    if isinstance(connection, Connection):
        await connection.left()
        return
    ended = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if ended:
            await asyncio.Future()  # nothing to watch: wait until cancelled
        ended = message["type"] == "http.request" and not message.get("more_body", False)
