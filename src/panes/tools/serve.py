"""The production server: granian, with limits that hold against slow or oversized clients.

Measured against uvicorn (``bench/bench_servers.py``): under granian a flood of unfinished huge
headers is cut off at ``max_header_size``, a client that never finishes its headers (or sits on
an idle keep-alive connection) is closed after ``header_timeout``, and throughput is not lower.
uvicorn with httptools has no header limit and no header timeout at all.

The CLI runs the server in the current process; each worker builds its app with
:func:`worker_app`, from what the CLI wrote into environment variables (a worker is a fresh
process: nothing else reaches it).
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import secrets
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from panes.cache.workers import ENV_WORKERS, several_workers
from panes.core.errors import AppDirError
from panes.http.app import DEV_ENV, SECRET_ENV
from panes.http.lifespan import STARTUP_TIMEOUT, StartupWatch
from panes.http.stopping import watch_boot

if TYPE_CHECKING:
    from granian.server import MPServer, MTServer

ENV_APP_DIR = "PANES_APP_DIR"
ENV_DEV = DEV_ENV
ENV_SLOT_TIMEOUT = "PANES_SLOT_TIMEOUT"
ENV_TARGET = "PANES_TARGET"
ENV_FACTORY = "PANES_TARGET_FACTORY"
ENV_PROXY_HEADERS = "PANES_PROXY_HEADERS"
ENV_FORWARDED_ALLOW_IPS = "FORWARDED_ALLOW_IPS"  # uvicorn's name for the same setting
ENV_ROOT_PATH = "PANES_ROOT_PATH"
ENV_DEV_WATCH = "PANES_DEV_WATCH"  # what granian reloads on: the dev worker watches it too
ENV_STARTUP_TIMEOUT = "PANES_STARTUP_TIMEOUT"
ENV_ALLOWED_HOSTS = "PANES_ALLOWED_HOSTS"  # under dev: the Host values answered (dev.py)
ENV_SERVER_PID = "PANES_SERVER_PID"  # under start: whom a worker that cannot start tells

WORKER_FAILED = signal.SIGUSR1  # a worker to the main process: my start-up failed
DEV_KILL_TIMEOUT = 5  # seconds a dev worker has to stop

logger = logging.getLogger("panes")


@dataclass(frozen=True)
class Limits:
    """What one client may cost the server; the defaults suit an app behind a reverse proxy.

    ``max_header_size``: bytes of request line and headers (granian's HTTP/1 read buffer,
    at least 8 KiB); ``header_timeout``: seconds to receive them, which also closes a
    keep-alive connection idle for as long; ``limit_concurrency``: connections served at once
    per worker (more wait in the listen queue of ``backlog``).
    """

    max_header_size: int = 64 * 1024
    header_timeout: float = 10.0
    limit_concurrency: int = 4096
    backlog: int = 2048


@dataclass(frozen=True)
class Serve:
    """Everything ``panes dev`` / ``panes start`` decide before the server starts."""

    target: str  # an app directory, or ``module:attribute``
    dev: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    factory: bool = False
    slot_timeout: float | None = None
    proxy_headers: bool = True
    forwarded_allow_ips: str = "127.0.0.1"
    root_path: str = ""
    limits: Limits = field(default_factory=Limits)
    reload_dirs: tuple[Path, ...] = ()
    startup_timeout: float | None = STARTUP_TIMEOUT
    allowed_hosts: tuple[str, ...] = ()  # under dev, besides localhost and ``host``


def is_module_target(target: str) -> bool:
    """``server:app`` names a module's attribute; an existing directory is an app directory."""
    return ":" in target and not Path(target).is_dir()


def address_problem(host: str, port: int) -> str | None:
    """Why the server cannot listen on ``host:port``, said as a user fixes it; ``None`` if it can.

    granian's workers listen with ``SO_REUSEPORT``: a second server on a port in use would share
    it with the first, and requests would alternate between the two apps. So the address is
    tried first as a sole listener takes it (``SO_REUSEADDR`` only, which passes over the
    closed connections of a server just stopped)."""
    try:
        exc = _bind_error(host, port)
    except (socket.gaierror, UnicodeError, OverflowError) as bad:
        return (f"cannot listen on {host}:{port} ({bad}): give --host an address of this "
                "machine (127.0.0.1, or 0.0.0.0 for every interface) and --port 1-65535")
    if exc is None:
        return None
    if exc.errno == errno.EADDRINUSE:
        free = next((p for p in range(port + 1, min(port + 100, 65536))
                     if _bind_error(host, p) is None), port + 1)
        return (f"port {port} is already in use on {host}: another server listens there. "
                f"Stop it, or choose another port: --port {free}")
    if exc.errno == errno.EACCES:
        return (f"no permission to listen on port {port}: ports below 1024 need privileges. "
                "Choose another port (--port 8000), or put a reverse proxy in front")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"{host} is not an address of this machine: choose another with --host "
                "(127.0.0.1, or 0.0.0.0 for every interface)")
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def _bind_error(host: str, port: int) -> OSError | None:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            return exc
    return None


def run(serve: Serve) -> int:
    """Serve until interrupted: granian workers, each building :func:`worker_app`. Returns the
    exit code: 1 when a worker could not start under ``panes start`` (its lifespan raised or
    timed out), which stops the server rather than starting workers that fail again."""
    _export(serve)
    _share_secret(serve)
    server = _server(serve)
    failed: list[int] = []
    if not serve.dev:  # (under dev a worker that cannot start waits for a saved fix)

        def worker_failed(signum: int, frame: object) -> None:
            failed.append(signum)
            server.signal_handler_interrupt()  # type: ignore[no-untyped-call]

        signal.signal(WORKER_FAILED, worker_failed)
    server.serve()
    if failed:
        print("panes: not serving: a worker could not start (its error is above)",
              file=sys.stderr)
        return 1
    return 0


def _share_secret(serve: Serve) -> None:
    """Every worker signs the navigation state with the same secret, across reloads too: the
    one set in ``PANES_SECRET``, else one made now (with a warning when workers share it)."""
    if serve.workers > 1 and not os.environ.get(SECRET_ENV):
        logger.warning(
            "PANES_SECRET is not set: the %d workers share a secret made at startup, so the "
            "navigation state signed before a restart, or by another machine, is refused "
            "(browsers fall back to full page loads). Set PANES_SECRET to keep it valid.",
            serve.workers,
        )
    os.environ.setdefault(SECRET_ENV, secrets.token_hex(32))


def _server(serve: Serve) -> MPServer | MTServer:
    """The granian server for ``serve``, its limits set (imported here: only a server needs
    granian)."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server
    from watchfiles import PythonFilter

    limits = serve.limits
    return Server(
        "panes.tools.serve:worker_app",
        address=serve.host,
        port=serve.port,
        interface=Interfaces.ASGI,
        workers=serve.workers,
        factory=True,
        http=HTTPModes.http1,
        websockets=False,
        backlog=limits.backlog,
        backpressure=limits.limit_concurrency,
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, round(limits.header_timeout * 1000)),
            max_buffer_size=max(8192, limits.max_header_size),
        ),
        log_level=LogLevels.info if serve.dev else LogLevels.warning,
        log_access=serve.dev,
        respawn_failed_workers=not serve.dev,
        reload=serve.dev,
        reload_paths=list(serve.reload_dirs) or None,
        reload_filter=PythonFilter,
        reload_ignore_worker_failure=True,
        # under dev, a worker that does not stop (user code stuck in a call) is killed: Ctrl-C
        # and a reload never wait on it for long
        workers_kill_timeout=DEV_KILL_TIMEOUT if serve.dev else None,
    )


def _export(serve: Serve) -> None:
    """Hand the settings to the worker processes, which inherit the environment."""
    env = os.environ
    module = is_module_target(serve.target)
    env[ENV_TARGET] = serve.target if module else ""
    env[ENV_FACTORY] = "1" if serve.factory else ""
    if module:
        env.setdefault(ENV_APP_DIR, "")
    else:
        env[ENV_APP_DIR] = str(Path(serve.target).resolve())
    env[ENV_DEV] = "1" if serve.dev else ""
    env[ENV_SLOT_TIMEOUT] = "" if serve.slot_timeout is None else str(serve.slot_timeout)
    env[ENV_PROXY_HEADERS] = "1" if serve.proxy_headers else ""
    env[ENV_FORWARDED_ALLOW_IPS] = serve.forwarded_allow_ips
    env[ENV_ROOT_PATH] = serve.root_path
    env[ENV_WORKERS] = str(serve.workers)
    env[ENV_DEV_WATCH] = os.pathsep.join(str(p) for p in serve.reload_dirs) if serve.dev else ""
    env[ENV_STARTUP_TIMEOUT] = str(serve.startup_timeout or 0)
    env[ENV_ALLOWED_HOSTS] = ",".join((serve.host, *serve.allowed_hosts)) if serve.dev else ""
    env[ENV_SERVER_PID] = "" if serve.dev else str(os.getpid())


def _tell_server_failed() -> None:
    """A worker's start-up failed: under ``panes start``, its main process stops serving."""
    pid = os.environ.get(ENV_SERVER_PID, "")
    if pid.isdigit() and int(pid) == os.getppid():  # never signal anyone else
        os.kill(int(pid), WORKER_FAILED)


def worker_app() -> ASGIApp:
    """The ASGI app of one worker: the user's app (or the app directory), behind the root path
    and the proxy headers as configured, the ``Host`` check under dev, and the start-up's
    timeout around its lifespan."""
    watch_boot()  # Ctrl-C while the app is imported still stops this worker
    target = os.environ.get(ENV_TARGET)
    if target:
        app: ASGIApp = import_target(target, factory=bool(os.environ.get(ENV_FACTORY)))
    else:
        app = server_app()
    if os.environ.get(ENV_PROXY_HEADERS):
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        trusted = [h.strip() for h in os.environ.get(ENV_FORWARDED_ALLOW_IPS, "").split(",")]
        app = ProxyHeadersMiddleware(app, trusted_hosts=trusted)  # type: ignore[arg-type,assignment]
    root_path = os.environ.get(ENV_ROOT_PATH, "").rstrip("/")
    if root_path:
        app = RootPath(app, root_path)
    if os.environ.get(ENV_DEV):
        from panes.http.dev import HostCheck

        app = HostCheck(app)
    timeout = os.environ.get(ENV_STARTUP_TIMEOUT, "")
    return StartupWatch(app, float(timeout) if timeout else STARTUP_TIMEOUT,
                        failed=_tell_server_failed)


def import_target(target: str, factory: bool = False) -> ASGIApp:
    """``module:attribute`` imported as uvicorn does: the current directory comes first."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"{target!r}: expected module:attribute, e.g. server:app")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    obj: Any = importlib.import_module(module_name)
    for name in attribute.split("."):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise ValueError(f"{target!r}: module {module_name!r} has no {attribute!r}") from None
    app: ASGIApp = obj() if factory else obj
    return app


def server_app() -> ASGIApp:
    """The app directory named by ``PANES_APP_DIR`` (a factory: each worker builds its own).

    Any ASGI server may run it (``uvicorn --factory panes.tools.cli:server_app``); several workers
    without ``PANES_SECRET`` would each sign with their own secret, so that is warned about.
    """
    from panes.http.app import App

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    dev = bool(os.environ.get(ENV_DEV))
    if dev:
        from panes.render.overlay import install_logging

        install_logging()
    timeout = float(os.environ[ENV_SLOT_TIMEOUT]) if os.environ.get(ENV_SLOT_TIMEOUT) else None
    if not os.environ.get(SECRET_ENV) and several_workers():
        logger.warning(
            "PANES_SECRET is not set and this server runs several workers: each signs the "
            "navigation state with its own random secret, so a browser's state is refused by "
            "every other worker (soft navigations fall back to full page loads). Set "
            "PANES_SECRET to the same value for all of them."
        )
    app_dir = os.environ.get(ENV_APP_DIR) or "app"
    try:
        return App(app_dir, dev=dev, slot_timeout=timeout)
    except AppDirError as exc:
        if not dev:
            raise
        from panes.http.dev import DevTools

        return DevTools(ProblemsApp(exc), Path(app_dir).resolve())


class RootPath:
    """uvicorn's ``--root-path`` for any server: the app is told it is mounted at ``root_path``
    (a reverse proxy strips that prefix), so the URLs it writes carry it."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            scope["root_path"] = self.root_path
            scope["path"] = self.root_path + scope["path"]
            raw = scope.get("raw_path")
            if raw is not None:
                scope["raw_path"] = self.root_path.encode() + raw
        await self.app(scope, receive, send)


class ProblemsApp:
    """Under ``panes dev``, an app directory broken by an edit (a syntax error, an import that
    raises, what ``panes check`` refuses) shows its problems until fixed: the error overlay,
    with the code around the line for an import that raised."""

    def __init__(self, error: AppDirError) -> None:
        from panes.render.overlay import report, short

        self.error = error
        for problem in error.problems:
            if problem.cause is not None:
                logger.error("%s\n%s", problem, short(report(problem.cause)))
            else:
                logger.error("%s", problem)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.responses import HTMLResponse, Response

        from panes.core.protocol import MEDIA_TYPE
        from panes.render.overlay import error_answer, overlay_document, overlay_html

        if scope["type"] != "http":
            return
        title = f"The app directory has {len(self.error.problems)} error(s)"
        if any(k == b"panes-state" for k, _ in scope.get("headers", ())):
            # the runtime asked (a live reload, a soft navigation): the overlay over the page
            body, headers = error_answer(overlay_html(title=title, problems=self.error.problems))
            await Response(body, 200, media_type=MEDIA_TYPE, headers=headers)(
                scope, receive, send)
            return
        page = overlay_document(500, title=title, problems=self.error.problems)
        await HTMLResponse(page, 500)(scope, receive, send)
