"""The server's own edges, on real ``panes start`` / ``panes dev`` processes: a port already in
use, Ctrl-C with a live-reload stream open, a lifespan that never starts, SIGTERM with a
request in flight."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port, write_app
from processes import Server

PAGE = "def page():\n    return 'inbox v1'\n"
SLOW = """import asyncio

async def page():
    await asyncio.sleep(2)
    return 'slow page, complete' + ' .' * 5000
"""
STUCK = """import asyncio
from contextlib import asynccontextmanager

@asynccontextmanager
async def lifespan(app):
    await asyncio.Event().wait()  # a database that never answers
    yield {}
"""
STARTS = """from contextlib import asynccontextmanager

@asynccontextmanager
async def lifespan(app):
    yield {"db": "up"}
"""
NO_YIELD = """from contextlib import asynccontextmanager

@asynccontextmanager
async def lifespan(app):
    return {"db": "up"}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_app(tmp_path / "app", {"page.py": PAGE, "slow/page.py": SLOW,
                                 "streamed/loading.py": "def loading():\n    return 'loading'\n",
                                 "streamed/page.py": SLOW.replace("slow page", "streamed page")})
    return tmp_path


@pytest.mark.parametrize("command", ["start", "dev"])
def test_a_second_server_on_a_port_in_use_exits_naming_the_port(project, command):
    port = free_port()
    with Server("start", "app", cwd=project, port=port).ready() as first:
        with Server(command, "app", cwd=project, port=port) as second:
            code = second.exited(20)
            assert code not in (None, 0), second.log
            assert f"port {port} is already in use" in second.log
            assert "--port" in second.log  # how to fix it
        # the first one still serves every request alone
        for _ in range(4):
            assert "inbox v1" in httpx.get(first.url + "/").text


def test_dev_stops_on_ctrl_c_while_a_tab_holds_the_event_stream(project):
    with Server("dev", "app", cwd=project).ready() as server, socket.create_connection(
            ("127.0.0.1", server.port), timeout=5) as tab:
        tab.sendall(b"GET /_panes/dev/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Accept: text/event-stream\r\n\r\n")
        seen = b""
        while b"event: hello" not in seen:
            seen += tab.recv(65536)
        started = time.monotonic()
        server.ctrl_c()
        assert server.exited(5) is not None, server.log
        assert time.monotonic() - started < 5


def test_dev_stops_on_sigterm_to_its_main_process_with_the_event_stream_open(project):
    """A process manager stops the main process alone; it stops its worker."""
    with Server("dev", "app", cwd=project).ready() as server, httpx.stream(
            "GET", server.url + "/_panes/dev/events", timeout=10) as events:
        next(events.iter_lines())
        os.kill(server.proc.pid, signal.SIGTERM)
        assert server.exited(5) is not None, server.log


def test_dev_stops_on_ctrl_c_while_a_lifespan_is_stuck_starting(project):
    (project / "app" / "lifespan.py").write_text(STUCK)
    with Server("dev", "app", cwd=project) as server:
        deadline = time.monotonic() + 20
        while "Spawning worker" not in server.log:
            assert time.monotonic() < deadline, server.log
            time.sleep(0.1)
        time.sleep(1.5)  # importing the app, or in lifespan(): either way
        started = time.monotonic()
        server.ctrl_c()
        assert server.exited(10) is not None, server.log
        assert time.monotonic() - started < 8


def test_a_lifespan_that_never_starts_stops_panes_start_naming_the_file(project):
    (project / "app" / "lifespan.py").write_text(STUCK)
    with Server("start", "app", "--startup-timeout", "1", cwd=project) as server:
        code = server.exited(20)
        assert code not in (None, 0), server.log
        log = server.log
        assert "app/lifespan.py: lifespan() did not reach `yield` within 1 s" in log
        assert "line 6" in log  # where it waits
        assert "--startup-timeout" in log  # how to give it longer


def test_under_dev_a_stuck_lifespan_is_reported_and_a_saved_fix_starts_the_server(project):
    (project / "app" / "lifespan.py").write_text(STUCK)
    with Server("dev", "app", cwd=project, env={"PANES_STARTUP_TIMEOUT": "1"}) as server:
        deadline = time.monotonic() + 20
        while "did not reach `yield`" not in server.log:
            assert time.monotonic() < deadline, server.log
            time.sleep(0.2)
        assert "app/lifespan.py" in server.log
        (project / "app" / "lifespan.py").write_text(STARTS)
        server.ready()
        assert "inbox v1" in httpx.get(server.url + "/").text


def test_a_lifespan_with_the_decorator_but_no_yield_is_named_for_what_it_lacks(project):
    (project / "app" / "lifespan.py").write_text(NO_YIELD)
    with Server("start", "app", cwd=project) as server:
        assert server.exited(20) == 1
        log = server.log
        assert "app/lifespan.py" in log
        assert "has @asynccontextmanager but no `yield`" in log
        assert "add the decorator" not in log.lower() and "write `@asynccontextmanager`" not in log


def test_sigterm_lets_requests_in_flight_finish(project):
    with Server("start", "app", cwd=project).ready() as server:
        answers: dict[str, httpx.Response] = {}

        def load(path: str) -> None:
            answers[path] = httpx.get(server.url + path, timeout=15,
                                      headers={"accept-encoding": "gzip"})

        requests = [threading.Thread(target=load, args=(p,)) for p in ("/slow", "/streamed")]
        for request in requests:
            request.start()
        time.sleep(0.7)  # the pages are rendering; the streamed one sent its loading UI
        stopping = time.monotonic()
        os.kill(server.proc.pid, signal.SIGTERM)  # as a process manager stops a service
        for request in requests:
            request.join(15)
        for path, kind in (("/slow", "slow page"), ("/streamed", "streamed page")):
            assert answers[path].status_code == 200
            assert kind in answers[path].text and answers[path].text.count(" .") == 5000
            assert answers[path].text.rstrip().endswith("</html>")
        assert server.exited(10) is not None, server.log
        assert time.monotonic() - stopping < 10
        # and it no longer accepts connections
        with pytest.raises(httpx.TransportError):
            httpx.get(server.url + "/", timeout=2)
