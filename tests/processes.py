"""``panes dev`` / ``panes start`` processes for the server's own edges: ones that may not start
at all (a port in use, a lifespan that never starts), stopped as a terminal or a process
manager stops them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
from conftest import Production


class Server(Production):
    """:class:`conftest.Production` running ``panes COMMAND TARGET ARGS`` from the moment it is
    made, without waiting for it to listen (:meth:`ready` waits); with its exit code, and
    Ctrl-C."""

    def __init__(self, command: str, target: str, *args: str, cwd: Path,
                 port: int | None = None, env: dict[str, str] | None = None) -> None:
        super().__init__(target, *args, env=env, cwd=cwd, command=command, port=port)
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    @property
    def proc(self) -> subprocess.Popen[bytes]:
        assert self.process is not None
        return self.process

    def __enter__(self) -> Server:
        return self

    def ready(self, seconds: float = 30) -> Server:
        """Wait until it answers ``/`` (any status); raise with its log if it stopped."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                httpx.get(self.url + "/", timeout=2)
                return self
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"panes did not start:\n{self.log}") from None
                time.sleep(0.1)

    def exited(self, seconds: float) -> int | None:
        """Its exit code once it has exited, or None if it still runs after ``seconds``."""
        try:
            code = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(2)  # (the whole log)
        return code

    def ctrl_c(self) -> None:
        """What a terminal's Ctrl-C does: SIGINT to every process of the group."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def stop(self) -> None:
        super().stop()
        with contextlib.suppress(ProcessLookupError):  # no worker of its group outlives it
            os.killpg(self.proc.pid, signal.SIGKILL)
