"""Invalidations shared by the workers of one machine, without Redis.

``panes start --workers N`` runs N processes, each with its own in-process cache; an action's
``revalidate_tag`` runs in one of them. So that the others do not go on serving the regions it
dropped, every worker binds a unix datagram socket in one directory, and tells every other
socket there what it invalidated; each applies it to its own cache as its event loop reads it
(about a millisecond later). The directory is named for the process that started the workers
(their parent: the ``panes start`` process, or uvicorn's, gunicorn's), and only this user may
enter it. A worker that died leaves a socket nobody reads: the first send to it removes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import socket
import stat
import tempfile
import time
import weakref
from collections.abc import Collection
from pathlib import Path

from panes.cache.store import Store

logger = logging.getLogger("panes.cache")

#: Bytes of names per datagram: a longer invalidation goes in several.
CHUNK = 8 * 1024

#: Seconds a worker keeps trying to reach another whose socket is full (it is busy): the
#: datagrams wait in the sender until the other reads (ten fit in its queue at a time).
RETRY_FOR = 10.0

_count = itertools.count()


def directory() -> Path:
    """Where the workers started by this process's parent meet."""
    return Path(tempfile.gettempdir()) / f"panes-workers-{os.getuid()}-{os.getppid()}"


class PeerStore:
    """A store whose invalidations also reach every other worker of the machine (the store
    itself stays this worker's: ``MemoryStore``)."""

    def __init__(self, store: Store, where: Path | None = None) -> None:
        self.store = store
        self.where = where or directory()
        _private_directory(self.where)
        self.path = self.where / f"{os.getpid()}-{next(_count)}.sock"
        self._in = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._in.bind(str(self.path))
        except OSError:
            _remove(self._in, self._in, self.path)
            raise
        self._in.setblocking(False)
        self._out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._out.setblocking(False)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._applying: set[asyncio.Task[None]] = set()
        self._cleanup = weakref.finalize(self, _remove, self._in, self._out, self.path)

    def __repr__(self) -> str:
        return f"PeerStore({self.store!r}, {str(self.where)!r})"

    async def get(self, key: str) -> tuple[bytes | None, int]:
        if self._loop is None:
            self._listen()
        return await self.store.get(key)

    async def set(self, key: str, value: bytes, *, ttl: float | None,
                  tags: Collection[str] = (), paths: Collection[str] = (),
                  epoch: int | None = None) -> bool:
        return await self.store.set(key, value, ttl=ttl, tags=tags, paths=paths, epoch=epoch)

    async def epoch(self) -> int:
        if self._loop is None:
            self._listen()
        return await self.store.epoch()

    async def delete_tags(self, tags: Collection[str]) -> None:
        await self.store.delete_tags(tags)
        self._tell("tags", tags)

    async def delete_paths(self, paths: Collection[str]) -> None:
        await self.store.delete_paths(paths)
        self._tell("paths", paths)

    async def lock(self, key: str, ttl: float) -> bool:
        return await self.store.lock(key, ttl)

    async def unlock(self, key: str) -> None:
        await self.store.unlock(key)

    async def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._in.fileno())
        self._cleanup()
        await self.store.close()

    def _listen(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._in.fileno(), self._receive)

    def _receive(self) -> None:
        while True:
            try:
                data = self._in.recv(CHUNK * 2)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            try:
                message = json.loads(data)
                kind, names = message["kind"], [str(n) for n in message["names"]]
            except (ValueError, KeyError, TypeError):
                continue  # not from a worker of this server
            work = (self.store.delete_tags(names) if kind == "tags"
                    else self.store.delete_paths(names))
            task = asyncio.ensure_future(work)
            self._applying.add(task)
            task.add_done_callback(self._applying.discard)

    def _tell(self, kind: str, names: Collection[str]) -> None:
        """Send ``names`` to every other worker's socket."""
        messages = [json.dumps({"kind": kind, "names": chunk}).encode()
                    for chunk in _chunks(list(names))]
        try:
            peers = [p for p in os.scandir(self.where) if p.name.endswith(".sock")]
        except OSError:
            return
        for peer in peers:
            if peer.path != str(self.path):
                self._send(peer.path, messages, time.monotonic() + RETRY_FOR)

    def _send(self, peer: str, messages: list[bytes], deadline: float) -> None:
        """Send what the peer's queue takes now; the rest a moment later, in the loop."""
        for i, message in enumerate(messages):
            try:
                self._out.sendto(message, peer)
            except BlockingIOError:
                if time.monotonic() < deadline:
                    asyncio.get_running_loop().call_later(0.002, self._send, peer,
                                                          messages[i:], deadline)
                    return
                error: OSError = TimeoutError(f"its socket stayed full for {RETRY_FOR:.0f} s")
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):  # a worker that is gone
                    os.unlink(peer)
                return
            except OSError as exc:
                error = exc
            else:
                continue
            logger.warning("cache: could not tell worker %s of an invalidation (%s); it "
                           "serves the old regions until they expire", Path(peer).name, error)
            return


def _chunks(names: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for name in names:
        if chunks[-1] and size + len(name) > CHUNK:
            chunks.append([])
            size = 0
        chunks[-1].append(name)
        size += len(name) + 4
    return chunks


def _private_directory(path: Path) -> None:
    """Make ``path`` for this user alone, or refuse one that another user could write in."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = os.lstat(path)
    if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid()
            or info.st_mode & 0o077):
        raise PermissionError(f"{path} is not a directory of this user's alone")


def _remove(inbound: socket.socket, outbound: socket.socket, path: Path) -> None:
    inbound.close()
    outbound.close()
    for remove in (path.unlink, path.parent.rmdir):  # the directory: by the last worker out
        with contextlib.suppress(OSError):
            remove()
