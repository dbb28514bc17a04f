"""``panes dev``: live reload that keeps slot state (the overlay and dev warnings are
:mod:`panes.render.overlay`).

Nothing here runs under ``panes start``: :class:`DevTools` wraps an app only when it is built
with ``dev=True``, and it is what serves the dev script, its event stream, and puts the script
into every HTML page.

How a saved file reaches an open tab. Under ``panes dev`` granian restarts the worker when a
``.py`` file changes (a fresh process imports the new code; the navigation state stays valid
because the CLI shares one ``PANES_SECRET`` across restarts). The page holds an
``EventSource`` on ``/_panes/dev/events``; its first event (``hello``) says which worker
answers (``boot``) and a fingerprint of every file of the app directory, with the *scope* of
each: the top-level region whose content the file renders (``team`` for ``@team/…``,
``children`` for ``page.py`` or ``photos/…``), ``*`` for a file that any region may use (a
helper in ``_ui/``, an ``error.py`` at the root), or ``reload`` for a layout that renders the
document. The worker watches the same files: on a ``.py`` change it ends every stream (granian
cannot stop a worker while a response is open) and answers later ones with nothing until it is
gone, so the tab's next ``hello`` comes from the new worker. The dev script compares the two
fingerprints and re-renders just the regions that show a changed file (as
``window.panes.refresh(ids)``): typed input, scroll and modals elsewhere stay. A change that
cannot apply softly (the document's layout) reloads the page. A change to another file (a
Jinja template, CSS) needs no new worker: a ``change`` event carries the new fingerprints.

Errors. A document that fails to render is a full-page overlay
(:func:`~panes.render.overlay.overlay_document`); a soft navigation or refresh that fails is
answered with an empty ``state`` record (the runtime keeps what it shows) whose ``error`` field
holds the overlay, and the header :data:`~panes.render.overlay.ERROR_HEADER`, which the dev
script shows over the page. Both recover by themselves after the next save that fixes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import json
import logging
import os
import secrets
import time
from collections.abc import Iterable
from functools import cache
from importlib.resources import files as resource_files
from pathlib import Path
from typing import Any

from markupsafe import escape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from panes.http.stopping import stopping

logger = logging.getLogger("panes")

PREFIX = "/_panes/dev"
EVENTS = PREFIX + "/events"
#: Where the CLI says which directories granian reloads on (the app directory by default).
ENV_WATCH = "PANES_DEV_WATCH"
#: A stream ends after this long anyway (the browser reconnects at once): a backstop.
STREAM_SECONDS = 25.0
RETRY_MS = 100
_PY = (".py", ".pyx", ".pyd")  # what granian's PythonFilter reloads on
_IGNORED_DIRS = frozenset({"__pycache__", ".git", ".mypy_cache", ".ruff_cache", "node_modules"})


# -- the dev script ---------------------------------------------------------------------------


@cache
def script_source() -> bytes:
    return resource_files("panes").joinpath("static/dev.js").read_text().encode()


@cache
def script_path() -> str:
    return f"{PREFIX}.{hashlib.sha256(script_source()).hexdigest()[:12]}.js"


def script_tag(root_path: str = "") -> str:
    return (f'<script src="{escape(root_path)}{script_path()}" data-root="{escape(root_path)}" '
            'data-panes-dev defer></script>')


# -- fingerprints and scopes ------------------------------------------------------------------


def scope_of(rel: str) -> str:
    """The top-level region a file of the app directory renders into; ``*`` when any region
    may use it; ``reload`` when it renders the document itself (a root layout)."""
    parts = rel.split("/")
    folders, name = parts[:-1], parts[-1]
    if name == "layout.py" and all(f.startswith("(") and f.endswith(")") for f in folders):
        return "reload"  # the root layout (or one of several, in route groups)
    if not folders:
        return "children" if name in ("page.py", "default.py") else "*"
    top = folders[0]
    if top.startswith("_") or top.startswith("("):
        return "*"  # a private folder (helpers), or a group that may hold slots of its own
    if top.startswith("@"):
        return top[1:]
    return "children"


def fingerprints(app_dir: Path) -> dict[str, list[str]]:
    """``{path: [digest, scope]}`` for every file of the app directory."""
    out: dict[str, list[str]] = {}
    for path in sorted(_walk(app_dir)):
        rel = path.relative_to(app_dir).as_posix()
        try:
            digest = hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()
        except OSError:
            continue
        out[rel] = [digest, scope_of(rel)]
    return out


def _walk(root: Path) -> Iterable[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _IGNORED_DIRS and not d.startswith(".")]
        for name in names:
            if not name.startswith(".") and not name.endswith((".pyc", "~", ".swp")):
                yield Path(folder) / name


class Hub:
    """One per worker: watches the files, keeps their fingerprints, tells the open streams."""

    def __init__(self, app_dir: Path, watch: Iterable[Path]) -> None:
        self.app_dir = app_dir
        self.watch = tuple(watch)
        self.boot = secrets.token_hex(4)
        self.files = fingerprints(app_dir)
        self.stale = False  # a .py file changed: a new worker is coming, this one ends
        self.version = 0
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def hello(self) -> dict[str, Any]:
        return {"boot": self.boot, "files": self.files}

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        from watchfiles import awatch

        logging.getLogger("watchfiles").setLevel(logging.WARNING)
        paths = [p for p in self.watch if p.exists()]
        if not paths:
            return
        # a stopping worker ends its watch at once (its thread would hold the exit)
        async for changes in awatch(*paths, step=20, debounce=400, stop_event=stopping()):
            changed = [Path(p) for _, p in changes]
            if any(p.suffix in _PY for p in changed):
                self.stale = True
            else:
                self.files = fingerprints(self.app_dir)
            async with self._changed:
                self.version += 1
                self._changed.notify_all()
            if self.stale:
                return

    async def wait(self, version: int, timeout: float) -> None:
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.version != version), timeout)


# -- which hosts it answers --------------------------------------------------------------------

#: Where the CLI says which ``Host`` values ``panes dev`` answers besides the local ones.
ENV_ALLOWED_HOSTS = "PANES_ALLOWED_HOSTS"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


class AllowedHosts:
    """The ``Host`` values a dev server answers: DNS rebinding points another site's name at
    this machine, and that site's pages would then read the error overlay (source lines), the
    list of app files and post actions. So only these: ``localhost`` (and ``*.localhost``),
    any IP address (an address cannot be rebound), the host the server was started on, and
    those added (``.example.com`` for it and its subdomains, ``*`` for any), as Django's
    ``ALLOWED_HOSTS`` and Vite's ``server.allowedHosts`` do."""

    def __init__(self, extra: Iterable[str] | None = None) -> None:
        if extra is None:
            extra = os.environ.get(ENV_ALLOWED_HOSTS, "").split(",")
        names = {_hostname(h.strip().encode()) for h in extra if h.strip()}
        self.any = "*" in names
        self.names = LOCAL_HOSTS | {n for n in names if not n.startswith(".")}
        self.domains = ("localhost", *(n[1:] for n in names if n.startswith(".") and n[1:]))

    def allows(self, host: bytes | None) -> bool:
        """Whether a request with this ``Host`` header is answered (none: not a browser's)."""
        if host is None or self.any:
            return True
        name = _hostname(host)
        if name in self.names or any(name.endswith("." + d) or name == d for d in self.domains):
            return True
        try:
            ipaddress.ip_address(name[1:-1] if name.startswith("[") else name)
        except ValueError:
            return False
        return True


def _hostname(host: bytes) -> str:
    """``Host: Example.COM.:8000`` is ``example.com``; ``[::1]:8000`` is ``[::1]``."""
    text = host.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[:text.find("]") + 1] if "]" in text else text
    name, colon, port = text.rpartition(":")
    return (name if colon and port.isdigit() else text).rstrip(".")


def _host_header(scope: Scope) -> bytes | None:
    return next((v for k, v in scope.get("headers", ()) if k == b"host"), None)


async def refuse_host(scope: Scope, send: Send) -> None:
    """400 for a ``Host`` this dev server does not answer, saying how to allow it."""
    name = _hostname(_host_header(scope) or b"")
    body = (f"Bad request: panes dev does not answer the host {name!r} (a protection against "
            f"DNS rebinding). If you opened it through that name, start it with "
            f"--allowed-host {name}\n").encode()
    await _send(send, 400, "text/plain; charset=utf-8", body)


class HostCheck:
    """Every request of ``panes dev`` checked against :class:`AllowedHosts` first: pages,
    actions, the overlay, the event stream, and the user's own routes under
    ``panes dev server:app``. (An ``App(dev=True)`` served in process, by a test client, is
    not checked: nothing listens.)"""

    def __init__(self, app: ASGIApp, hosts: AllowedHosts | None = None) -> None:
        self.app = app
        self.hosts = hosts or AllowedHosts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.hosts.allows(_host_header(scope)):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await refuse_host(scope, send)
            return
        await self.app(scope, receive, send)


class DevTools:
    """Around an app under ``panes dev``: serves the dev script and its event stream, and adds
    the script to every HTML page (documents, error pages, route handlers' HTML)."""

    def __init__(self, app: ASGIApp, app_dir: Path, watch: Iterable[Path] | None = None) -> None:
        self.app = app
        self.app_dir = app_dir
        if watch is None:
            env = os.environ.get(ENV_WATCH)
            watch = [Path(p) for p in env.split(os.pathsep) if p] if env else [app_dir]
        self._watch = tuple(watch)
        self._hub: Hub | None = None

    @property
    def hub(self) -> Hub:
        if self._hub is None:
            self._hub = Hub(self.app_dir, self._watch)
        return self._hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from panes.appdir.public import route_path

        path = route_path(scope).decode("latin-1")
        if path == EVENTS:
            await self.events(scope, receive, send)
        elif path == script_path():
            await _send(send, 200, "text/javascript", script_source(),
                        [(b"cache-control", b"no-cache")])
        elif path.startswith(PREFIX):
            await _send(send, 404, "text/plain", b"Not Found")
        else:
            await self.app(scope, receive, _inject(send, scope.get("root_path", "")))

    async def events(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The event stream: ``hello`` at once, ``change`` on each non-Python change; it ends
        on a Python change, so that granian can stop this worker for the new one."""
        hub = self.hub
        hub.start()
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")]})
        if hub.stale:  # the new worker is starting: the browser asks again shortly
            await send({"type": "http.response.body", "body": f"retry: {RETRY_MS}\n\n".encode()})
            return
        first = f"retry: {RETRY_MS}\nevent: hello\ndata: {json.dumps(hub.hello())}\n\n"
        await send({"type": "http.response.body", "body": first.encode(), "more_body": True})
        gone = asyncio.ensure_future(_disconnected(receive))
        # Ctrl-C: the server waits for open responses to end, so this one ends at once
        stopped = asyncio.ensure_future(stopping().wait())
        deadline = time.monotonic() + STREAM_SECONDS
        try:
            while not (hub.stale or gone.done() or stopped.done()) and (
                    time.monotonic() < deadline):
                version = hub.version
                waiting = asyncio.ensure_future(hub.wait(version, deadline - time.monotonic()))
                await asyncio.wait((waiting, gone, stopped), return_when=asyncio.FIRST_COMPLETED)
                waiting.cancel()
                if hub.version != version and not hub.stale:
                    data = f"event: change\ndata: {json.dumps(hub.hello())}\n\n"
                    await send({"type": "http.response.body", "body": data.encode(),
                                "more_body": True})
        finally:
            gone.cancel()
            stopped.cancel()
        if not gone.done() or not gone.cancelled():
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b""})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _send(send: Send, status: int, media: str, body: bytes,
                headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", media.encode()), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _inject(send: Send, root_path: str) -> Send:
    """Add the dev script to an HTML answer: before ``</head>`` (or ``</body>``, or at the end),
    in whichever chunk has it; the length changes, so the answer is sent without one."""
    tag = script_tag(root_path).encode()
    html = False
    done = False

    async def sending(message: Message) -> None:
        nonlocal html, done
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            kinds = {k.lower(): v for k, v in headers}
            html = (kinds.get(b"content-type", b"").startswith(b"text/html")
                    and b"content-encoding" not in kinds)
            if html:
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and html and not done:
            body: bytes = message.get("body", b"")
            for marker in (b"</head>", b"</body>"):
                at = body.find(marker)
                if at >= 0:
                    body, done = body[:at] + tag + body[at:], True
                    break
            if not done and not message.get("more_body", False):
                body, done = body + tag, True
            message = {**message, "body": body}
        await send(message)

    return sending
