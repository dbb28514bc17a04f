"""``panes dev`` / ``panes start`` as a user runs them: real processes on loopback ports."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import free_port, write_app
from processes import Server

from panes.tools import serve

APP = {
    "layout.py": "from markupsafe import Markup\n\ndef layout(children):\n    return Markup('<html><body>') + children + Markup('</body></html>')\n",
    "page.py": "def page():\n    return 'inbox v1' + ' (a message)' * 100\n",
}

SERVER = '''
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

import panes
from panes.http.compress import CompressMiddleware


async def who(request):
    return JSONResponse({"client": request.client.host, "scheme": request.url.scheme,
                         "root_path": request.scope.get("root_path", "")})

app = CompressMiddleware(Starlette(routes=[
    Route("/who", who),
    Mount("/mail", app=panes.App("app")),
]))
'''


@contextmanager
def panes(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Run ``panes ARGS --port P`` until the block ends; yields its URL and its log's lines
    (filled once it has stopped)."""
    lines: list[str] = []
    with Server(*args, cwd=cwd, env=env) as server:
        try:
            yield server.ready().url, lines
        finally:
            server.stop()
            lines.extend(server.log.splitlines())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_app(tmp_path / "app", APP)
    (tmp_path / "server.py").write_text(SERVER)
    return tmp_path


def test_start_serves_an_app_directory_with_the_limits(project):
    with panes("start", "app", "--max-header-size", "16384", "--timeout-keep-alive", "1",
               cwd=project) as (url, _):
        assert "inbox v1" in httpx.get(url + "/").text
        port = int(url.rsplit(":", 1)[1])
        # a flood of header bytes is cut off long before it costs memory
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sent = 0
            with pytest.raises(OSError):
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Flood: ")
                for _ in range(64):
                    sock.sendall(b"a" * (1 << 20))
                    sent += 1 << 20
            assert sent < 32 << 20
        # headers that never finish: the connection is closed after the timeout
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            start = time.monotonic()
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            while sock.recv(1000):
                pass
            assert 0.9 < time.monotonic() - start < 3
        assert "inbox v1" in httpx.get(url + "/").text


def test_start_serves_a_module_attribute_mounting_panes(project):
    with panes("start", "server:app", cwd=project) as (url, _):
        page = httpx.get(url + "/mail/", headers={"accept-encoding": "gzip"})
        assert "inbox v1" in page.text and page.headers["content-encoding"] == "gzip"
        # proxy headers are trusted from 127.0.0.1 by default, as under uvicorn
        who = httpx.get(url + "/who", headers={"x-forwarded-for": "203.0.113.9",
                                               "x-forwarded-proto": "https"}).json()
        assert who == {"client": "203.0.113.9", "scheme": "https", "root_path": ""}


def test_proxy_headers_off_and_root_path(project):
    with panes("start", "server:app", "--no-proxy-headers", "--root-path", "/shop",
               cwd=project) as (url, _):
        who = httpx.get(url + "/who", headers={"x-forwarded-for": "203.0.113.9"}).json()
        assert who == {"client": "127.0.0.1", "scheme": "http", "root_path": "/shop"}
        # panes writes its own URLs below the root path, mount included
        assert 'src="/shop/mail/_panes/panes.' in httpx.get(url + "/mail/").text


def test_forwarded_allow_ips_that_exclude_the_client(project):
    with panes("start", "server:app", "--forwarded-allow-ips", "10.0.0.1", cwd=project) as (url, _):
        who = httpx.get(url + "/who", headers={"x-forwarded-for": "203.0.113.9"}).json()
        assert who["client"] == "127.0.0.1"


def wait_for(url: str, text: str, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if text in httpx.get(url, timeout=2).text:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def test_dev_reloads_an_app_directory_on_save(project):
    with panes("dev", "app", cwd=project) as (url, _):
        (project / "app" / "page.py").write_text("def page():\n    return 'inbox v2'\n")
        assert wait_for(url + "/", "inbox v2")


def test_dev_reloads_a_module_attribute_on_save(project):
    with panes("dev", "server:app", cwd=project) as (url, _):
        assert "inbox v1" in httpx.get(url + "/mail/").text
        source = (project / "server.py").read_text().replace('Route("/who", who)',
                                                           'Route("/who", who), Route("/new", who)')
        (project / "server.py").write_text(source)
        assert wait_for(url + "/new", "client")


def test_several_workers_without_a_secret_warn(project):
    with panes("start", "app", "--workers", "2", cwd=project,
               env={"PANES_SECRET": ""}) as (url, log):  # (empty: not set)
        assert "inbox v1" in httpx.get(url + "/").text
    assert any("PANES_SECRET is not set" in line for line in log)


def test_another_server_running_several_workers_warns(monkeypatch, tmp_path, caplog):
    app_dir = write_app(tmp_path / "app", APP)
    monkeypatch.delenv("PANES_SECRET", raising=False)
    monkeypatch.setenv("PANES_APP_DIR", str(app_dir))
    monkeypatch.setenv("WEB_CONCURRENCY", "4")  # uvicorn --workers reads it too
    with caplog.at_level(logging.WARNING, logger="panes"):
        serve.server_app()
    assert "PANES_SECRET is not set and this server runs several workers" in caplog.text
    caplog.clear()
    monkeypatch.setenv("PANES_SECRET", "shared")
    with caplog.at_level(logging.WARNING, logger="panes"):
        serve.server_app()
    assert "PANES_SECRET" not in caplog.text


def test_a_directory_with_a_colon_is_still_an_app_dir(tmp_path):
    weird = tmp_path / "a:b"
    weird.mkdir()
    assert not serve.is_module_target(str(weird))
    assert serve.is_module_target("server:app")
    with pytest.raises(ValueError, match="no 'nope'"):
        serve.import_target("panes:nope")


def test_uvicorn_still_runs_server_app(project):
    """``uvicorn --factory panes.tools.cli:server_app`` keeps working for those who run it."""
    port = free_port()
    env = {**os.environ, "PANES_APP_DIR": str(project / "app")}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "panes.tools.cli:server_app",
                             "--port", str(port)], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/", "inbox v1")
    finally:
        proc.terminate()
        proc.wait(10)
