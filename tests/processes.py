"""Real ``panes dev`` / ``panes start`` processes, started and stopped as a user does: in a
session of their own (a terminal's Ctrl-C reaches the whole group), stopped by their own id."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import free_port


class Server:
    """``python -m panes ARGS --port PORT`` in ``cwd``; its output goes to a log file."""

    def __init__(self, *args: str, cwd: Path, port: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = cwd / f"server-{self.port}-{time.monotonic_ns()}.log"
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "panes", *args, "--port", str(self.port)], cwd=cwd,
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                start_new_session=True)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

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
            return self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return None

    def ctrl_c(self) -> None:
        """What a terminal's Ctrl-C does: SIGINT to every process of the group."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            if self.exited(10) is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        else:  # the main process is gone: no worker of its group may outlive it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
