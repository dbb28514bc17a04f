"""Bounded, loopback-only abuse of an HTTP server, to see whether its limits hold.

Every attack stops by itself (a byte budget and a deadline) and closes what it opened. The
server's memory is read from /proc: the resident size of every process in its session (a
server may fork workers).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

HOST = "127.0.0.1"
MiB = 1 << 20


def rss_mib(session: int) -> float:
    """Resident memory of every process whose session id is ``session``, in MiB."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getsid(int(pid)) != session:
                continue
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


class Peak:
    """Samples a session's RSS in a thread while a ``with`` block runs."""

    def __init__(self, session: int) -> None:
        self.session = session
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, rss_mib(self.session))

    def __enter__(self) -> Peak:
        self.peak = rss_mib(self.session)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Flood:
    """What a header flood did: bytes each connection got in, and how each ended."""

    sent: list[int] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)
    rss_before: float = 0.0
    rss_peak: float = 0.0
    seconds: float = 0.0


def header_flood(port: int, session: int, connections: int = 4, budget: int = 200 * MiB,
                 deadline_s: float = 30.0) -> Flood:
    """``connections`` clients each stream one endless header line, up to ``budget`` bytes
    each, without ever finishing the request."""
    result = Flood(sent=[0] * connections, ends=["budget spent"] * connections)
    chunk = b"a" * MiB
    stop_at = time.monotonic() + deadline_s

    def one(i: int) -> None:
        with socket.create_connection((HOST, port), timeout=5) as sock:
            try:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
                while result.sent[i] < budget:
                    if time.monotonic() > stop_at:
                        result.ends[i] = "deadline"
                        return
                    sock.sendall(chunk)
                    result.sent[i] += len(chunk)
            except TimeoutError:
                result.ends[i] = "server stopped reading"
            except OSError:
                result.ends[i] = "closed by server"

    result.rss_before = rss_mib(session)
    start = time.monotonic()
    with Peak(session) as peak:
        _in_threads(one, connections)
        time.sleep(0.5)
    result.rss_peak = peak.peak
    result.seconds = time.monotonic() - start
    return result


def slow_headers(port: int, limit_s: float = 40.0) -> float | None:
    """Send a header line every half second and never finish: seconds until the server
    closes the connection, or None if it is still open after ``limit_s``."""
    start = time.monotonic()
    with socket.create_connection((HOST, port), timeout=1) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while time.monotonic() - start < limit_s:
            try:
                sock.sendall(b"X-Slow: 1\r\n")
                if _closed(sock, 0.5):
                    return time.monotonic() - start
            except OSError:
                return time.monotonic() - start
    return None


@dataclass
class Idle:
    opened: int = 0
    fresh_request_s: float | None = None  # a new client's request while they are held
    fresh_status: str = ""
    closed_by_server: int = 0
    waited_s: float = 0.0


def idle_flood(port: int, count: int = 4000, wait_s: float = 12.0) -> Idle:
    """Open ``count`` connections that send nothing; time one new request while they are held;
    then count how many the server closed within ``wait_s``."""
    result = Idle()
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            try:
                sock = socket.socket()
                sock.setblocking(False)
                with suppress(BlockingIOError):
                    sock.connect((HOST, port))
                socks.append(sock)
            except OSError:
                break
        result.opened = len(socks)
        time.sleep(0.5)
        start = time.monotonic()
        result.fresh_status = get_status(port, timeout=5)
        result.fresh_request_s = time.monotonic() - start
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            time.sleep(0.5)
            closed = sum(_closed(s, 0) for s in socks)
            if closed == len(socks):
                break
        result.closed_by_server = sum(_closed(s, 0) for s in socks)
        result.waited_s = wait_s
    finally:
        for sock in socks:
            sock.close()
    return result


def keep_alive_close(port: int, limit_s: float = 40.0) -> float | None:
    """One request on a keep-alive connection, then silence: seconds until the server closes
    it, or None if it is still open after ``limit_s``."""
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        _read_response(sock)
        start = time.monotonic()
        while time.monotonic() - start < limit_s:
            if _closed(sock, 0.5):
                return time.monotonic() - start
    return None


def upload(port: int, size: int = 1 << 30, path: str = "/", deadline_s: float = 30.0
           ) -> tuple[int, str]:
    """POST ``size`` bytes: how many went in before the server answered or closed, and how it
    ended (the status line, or what happened)."""
    sent = 0
    chunk = b"x" * MiB
    stop_at = time.monotonic() + deadline_s
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     f"application/octet-stream\r\nContent-Length: {size}\r\n\r\n".encode())
        try:
            while sent < size and time.monotonic() < stop_at:
                if _readable(sock):
                    break
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        try:
            sock.settimeout(5)
            head = sock.recv(200).split(b"\r\n", 1)[0].decode(errors="replace")
        except OSError as exc:
            head = type(exc).__name__
        return sent, head or "closed without an answer"


def get_status(port: int, path: str = "/", timeout: float = 5.0) -> str:
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                         .encode())
            return sock.recv(100).split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
    except OSError as exc:
        return type(exc).__name__


def _read_response(sock: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), None)
    if length is not None:
        while len(body) < length:
            body += sock.recv(65536)
    else:  # chunked: read until the last chunk
        while not body.endswith(b"0\r\n\r\n"):
            body += sock.recv(65536)


def _readable(sock: socket.socket) -> bool:
    return _closed(sock, 0)


def _closed(sock: socket.socket, wait: float) -> bool:
    import select

    # readable before the request is complete: the server closed it or answered an error
    poll = select.poll()
    poll.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poll.poll(int(wait * 1000)))


def _in_threads(target: Callable[[int], None], n: int) -> None:
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
