"""Shared fixtures: app directories written from dicts, served in process (unit tests), by a
real uvicorn in a thread (ASGI pieces alone), or by ``panes start`` (everything a browser or a
streaming client sees: the production server, as users run it)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from panes import App

PANES_MARKUP = re.compile(
    r"<!--/?panes:[^>]*-->"
    r'|<script type="application/x-panes-state" id="panes-state">[^<]*</script>'
    r'|<script src="[^"]*/_panes/panes\.[0-9a-f]+\.js"[^>]*></script>'
)


def visible(html: str) -> str:
    """The HTML without what panes adds (region markers, state, runtime): what the user's
    functions produced."""
    return PANES_MARKUP.sub("", html)


def write_app(root: Path, files: Mapping[str, str] | list[str]) -> Path:
    """Write an app directory. A list of paths gets a one-line function per file.

    The generated function returns the file's own path, so a page shows where it came from;
    layouts place ``children`` and every slot at their level.
    """
    if isinstance(files, list):
        files = {path: "" for path in files}
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
    for rel, source in files.items():
        (root / rel).write_text(textwrap.dedent(source) if source else _stub(root, rel))
    return root


def _stub(root: Path, rel: str) -> str:
    kind = Path(rel).stem
    if kind == "layout":
        folder = (root / rel).parent
        slots = sorted(p.name[1:].replace("-", "_") for p in folder.iterdir()
                       if p.is_dir() and p.name.startswith("@") and p.name != "@children")
        args = ", ".join(["children", *slots])
        body = " + ".join(["children", *slots]) if slots else "children"
        return (f"from markupsafe import Markup\n\ndef layout({args}):\n"
                f"    return Markup('<div data-layout=\"{rel}\">') + {body} + Markup('</div>')\n")
    if kind == "error":
        return f"def error(error):\n    return '{rel}: ' + str(error)\n"
    return f"def {kind}():\n    return {('[' + rel + ']')!r}\n"


@pytest.fixture
def make_app(tmp_path: Path):
    """``make_app({...})`` writes an app directory under tmp_path and returns a panes App."""

    def make(files: Mapping[str, str] | list[str], dev: bool = False) -> App:
        app_dir = write_app(tmp_path / "app", files)
        return App(app_dir, dev=dev)

    return make


@pytest.fixture
def client_for():
    """An httpx client for an ASGI app, in process."""
    clients: list[httpx.AsyncClient] = []

    def make(app: object) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                                   base_url="http://test", follow_redirects=False)
        clients.append(client)
        return client

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn serving an ASGI app on a loopback port, in a thread."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture
def live_server() -> Iterator[type[LiveServer]]:
    yield LiveServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: sync Playwright keeps an event loop running in this thread for
    the rest of the session, which the in-process async tests cannot share."""
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def start(page, server: LiveServer, path: str = "/") -> None:
    """Load a page with the runtime ready, and mark the document to tell a full load apart."""
    page.goto(server.url + path)
    page.wait_for_function("window.panes !== undefined")
    page.evaluate("window.marker = 'same document'")


def same_document(page) -> bool:
    """True while no full page load happened since :func:`start`."""
    return page.evaluate("window.marker") == "same document"


PANES = Path(sys.executable).with_name("panes")  # the venv's own command, as users run it
TEST_SECRET = "panes-test-secret-0123456789abcdef0123456789abcdef"


class Production:
    """``panes start TARGET`` in its own process on a free loopback port: granian with the
    production defaults (compression on, the default limits, no tracebacks), as users run it.

    ``args`` are more command-line flags; ``env`` more environment; ``cwd`` where it runs
    (for ``module:attribute`` targets). The server's output is kept in ``log``.
    """

    def __init__(self, target: Path | str, *args: str, env: Mapping[str, str] | None = None,
                 cwd: Path | None = None, command: str = "start",
                 port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = [str(PANES), command, str(target), "--host", "127.0.0.1",
                     "--port", str(self.port), *args]
        self.env = {**os.environ, "PANES_SECRET": TEST_SECRET, **(env or {})}
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self._log = b""

    def __enter__(self) -> Production:
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"panes {self.argv[1]} exited:\n{self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"panes {self.argv[1]} did not listen:\n{self.log}") from None
                time.sleep(0.05)
        return self

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self._log += line

    @property
    def log(self) -> str:
        return self._log.decode(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._reader.join(2)


@contextmanager
def serving(app_dir: Path | str, *args: str, **options: object) -> Iterator[Production]:
    """The app served by ``panes start`` (see :class:`Production`)."""
    with Production(app_dir, *args, **options) as live:  # type: ignore[arg-type]
        yield live


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()
