"""The ``panes`` command: ``dev``, ``start``, ``routes`` and ``check``."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from .app import SECRET_ENV
from .check import Analysis, analyze
from .errors import AppDirError, BadRequest
from .table import explain_url, route_table

ENV_APP_DIR = "PANES_APP_DIR"
ENV_DEV = "PANES_DEV"
ENV_SLOT_TIMEOUT = "PANES_SLOT_TIMEOUT"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    code: int = args.run(args)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="panes", description="Parallel routes for Python: serve and inspect an app directory."
    )
    commands = parser.add_subparsers(title="commands")
    for name, run, help_text in (
        ("dev", _dev, "development server: reloads on save, shows tracebacks"),
        ("start", _start, "production server: no tracebacks in the browser"),
    ):
        cmd = commands.add_parser(name, help=help_text)
        cmd.add_argument("app_dir", nargs="?", default="app", metavar="APP_DIR")
        cmd.add_argument("--host", default="127.0.0.1")
        cmd.add_argument("--port", type=int, default=8000)
        cmd.add_argument("--slot-timeout", type=float, default=None, metavar="SECONDS",
                         help="a slot that renders longer shows its error boundary")
        if name == "start":
            cmd.add_argument("--workers", type=int, default=1)
        cmd.set_defaults(run=run)
    routes = commands.add_parser("routes", help="every URL pattern and the file each slot shows")
    routes.add_argument("app_dir", nargs="?", default="app", metavar="APP_DIR")
    routes.add_argument("--url", help="explain one URL: each slot, the file chosen, and why")
    routes.add_argument("--from", dest="origin", metavar="URL",
                        help="with --url: a soft navigation from this URL (is it intercepted?)")
    routes.set_defaults(run=_routes)
    check = commands.add_parser("check", help="validate the app directory (exit 1 on errors)")
    check.add_argument("app_dir", nargs="?", default="app", metavar="APP_DIR")
    check.set_defaults(run=_check)
    return parser


def _report(analysis: Analysis) -> None:
    for problem in analysis.problems:
        print(problem, file=sys.stderr)


def _check(args: argparse.Namespace) -> int:
    analysis = analyze(args.app_dir)
    _report(analysis)
    if analysis.errors:
        print(f"{len(analysis.errors)} error(s), {len(analysis.warnings)} warning(s)",
              file=sys.stderr)
        return 1
    print(f"ok: {len(analysis.routes)} routes, {len(analysis.warnings)} warning(s)")
    return 0


def _routes(args: argparse.Namespace) -> int:
    analysis = analyze(args.app_dir)
    _report(analysis)
    if args.url is not None:
        try:
            print(explain_url(analysis, args.url, args.origin))
        except BadRequest as exc:
            print(f"panes routes: {args.url}: {exc} (the server answers 400)", file=sys.stderr)
            return 1
    else:
        print(route_table(analysis))
    return 1 if analysis.errors else 0


def _serve(args: argparse.Namespace, dev: bool) -> int:
    import uvicorn

    app_dir = Path(args.app_dir).resolve()
    analysis = analyze(app_dir)
    if analysis.errors:
        _report(analysis)
        print(f"panes: not starting, {app_dir} has {len(analysis.errors)} error(s)",
              file=sys.stderr)
        return 1
    os.environ[ENV_APP_DIR] = str(app_dir)
    os.environ[ENV_DEV] = "1" if dev else ""
    os.environ[ENV_SLOT_TIMEOUT] = "" if args.slot_timeout is None else str(args.slot_timeout)
    # Every worker signs the navigation state with the same secret.
    os.environ.setdefault(SECRET_ENV, secrets.token_hex(32))
    options: dict[str, object] = {"host": args.host, "port": args.port, "factory": True}
    if dev:
        options.update(reload=True, reload_dirs=[str(app_dir)], reload_includes=["*.py"])
    else:
        options.update(workers=args.workers, access_log=False, server_header=False)
    uvicorn.run("panes.cli:server_app", **options)  # type: ignore[arg-type]
    return 0


def _dev(args: argparse.Namespace) -> int:
    return _serve(args, dev=True)


def _start(args: argparse.Namespace) -> int:
    return _serve(args, dev=False)


def server_app() -> object:
    """The ASGI app for uvicorn's workers (a factory: each worker process builds its own)."""
    from .app import App

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    dev = bool(os.environ.get(ENV_DEV))
    timeout = float(os.environ[ENV_SLOT_TIMEOUT]) if os.environ.get(ENV_SLOT_TIMEOUT) else None
    try:
        return App(os.environ.get(ENV_APP_DIR, "app"), dev=dev, slot_timeout=timeout)
    except AppDirError as exc:
        if not dev:
            raise
        return _ProblemsApp(exc)


class _ProblemsApp:
    """Under ``panes dev``, an app directory broken by an edit shows its problems until fixed."""

    def __init__(self, error: AppDirError) -> None:
        self.error = error
        for problem in error.problems:
            logging.getLogger("panes").error("%s", problem)

    async def __call__(self, scope: dict[str, object], receive: object, send: object) -> None:
        from starlette.responses import HTMLResponse

        from .html import error_document

        if scope["type"] != "http":
            return
        lines = "\n".join(str(p) for p in self.error.problems)
        response = HTMLResponse(error_document(500, "The app directory has errors:\n" + lines), 500)
        await response(scope, receive, send)  # type: ignore[arg-type]
