"""The ``panes`` command: ``dev``, ``start``, ``routes`` and ``check``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from panes.appdir.check import Analysis, analyze
from panes.core.errors import BadRequest
from panes.http.lifespan import STARTUP_TIMEOUT
from panes.tools import serve
from panes.tools.serve import (
    ENV_APP_DIR,
    ENV_DEV,
    ENV_SLOT_TIMEOUT,
    ENV_STARTUP_TIMEOUT,
    Limits,
    Serve,
    is_module_target,
)
from panes.tools.table import explain_url, route_table

__all__ = ["ENV_APP_DIR", "ENV_DEV", "ENV_SLOT_TIMEOUT", "main", "server_app"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:  # Ctrl-C before the server set its own handlers
        return 130
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="panes", description="Parallel routes for Python: serve and inspect an app directory."
    )
    commands = parser.add_subparsers(title="commands")
    for name, command, help_text in (
        ("dev", _dev, "development server: reloads on save, shows tracebacks"),
        ("start", _start, "production server: no tracebacks in the browser"),
    ):
        cmd = commands.add_parser(name, help=help_text)
        _serve_arguments(cmd, production=name == "start")
        cmd.set_defaults(run=command)
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


#: A slot still rendering after this long under ``panes start`` shows its error boundary: a
#: stuck backend never holds a worker's request (and its memory) for ever.
PRODUCTION_SLOT_TIMEOUT = 30.0


def _serve_arguments(cmd: argparse.ArgumentParser, production: bool) -> None:
    limits = Limits()
    cmd.add_argument("app_dir", nargs="?", default="app", metavar="APP_DIR|MODULE:APP",
                     help="an app directory (default ./app), or module:attribute naming your "
                          "own ASGI app, imported from the current directory")
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--port", type=int, default=8000)
    cmd.add_argument("--slot-timeout", type=float,
                     default=PRODUCTION_SLOT_TIMEOUT if production else None, metavar="SECONDS",
                     help="a slot that renders longer shows its error boundary (0: never; "
                          f"default {PRODUCTION_SLOT_TIMEOUT:g} under start, none under dev)")
    if production:
        cmd.add_argument("--workers", type=int, default=1, help="worker processes")
    else:
        cmd.add_argument("--allowed-host", action="append", default=[], metavar="HOST",
                         dest="allowed_hosts",
                         help="also answer requests for this Host (repeatable; .example.com: "
                              "it and its subdomains; *: any). Answered anyway: localhost, "
                              "IP addresses and --host; any other gets 400 (DNS rebinding)")
    cmd.add_argument("--startup-timeout", type=float, metavar="SECONDS",
                     default=float(os.environ.get(ENV_STARTUP_TIMEOUT) or STARTUP_TIMEOUT),
                     help="a lifespan that has not reached its yield by then fails the start "
                          f"(0: never; default $PANES_STARTUP_TIMEOUT or {STARTUP_TIMEOUT:g})")
    cmd.add_argument("--factory", action="store_true",
                     help="MODULE:APP is a function that returns the ASGI app")
    cmd.add_argument("--proxy-headers", action=argparse.BooleanOptionalAction, default=True,
                     help="trust X-Forwarded-For/-Proto from --forwarded-allow-ips (default on)")
    cmd.add_argument("--forwarded-allow-ips", metavar="IPS",
                     default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                     help="comma-separated addresses or networks (or *) whose proxy headers "
                          "are trusted (default: $FORWARDED_ALLOW_IPS or 127.0.0.1)")
    cmd.add_argument("--root-path", default="", metavar="PATH",
                     help="the app is served below PATH by a proxy that strips it")
    cmd.add_argument("--limit-concurrency", type=int, default=limits.limit_concurrency,
                     metavar="N", help="connections served at once per worker; more wait "
                                       f"(default {limits.limit_concurrency})")
    cmd.add_argument("--backlog", type=int, default=limits.backlog, metavar="N",
                     help=f"connections waiting to be accepted (default {limits.backlog})")
    cmd.add_argument("--timeout-keep-alive", type=float, default=limits.header_timeout,
                     metavar="SECONDS",
                     help="close a connection whose request headers take longer, or that sits "
                          f"idle between requests as long (default {limits.header_timeout:g})")
    cmd.add_argument("--max-header-size", type=int, default=limits.max_header_size,
                     metavar="BYTES", help="request line and headers; a larger request is "
                                           f"refused (default {limits.max_header_size})")


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
    target: str = args.app_dir
    if is_module_target(target):
        reload_dirs: tuple[Path, ...] = (Path.cwd(),)
    else:
        app_dir = Path(target).resolve()
        analysis = analyze(app_dir)
        if analysis.errors:
            _report(analysis)
            print(f"panes: not starting, {app_dir} has {len(analysis.errors)} error(s)",
                  file=sys.stderr)
            return 1
        target, reload_dirs = str(app_dir), (app_dir,)
    problem = serve.address_problem(args.host, args.port)
    if problem is not None:
        print(f"panes: {problem}", file=sys.stderr)
        return 1
    limits = Limits(max_header_size=args.max_header_size, header_timeout=args.timeout_keep_alive,
                    limit_concurrency=args.limit_concurrency, backlog=args.backlog)
    return serve.run(Serve(target, dev=dev, host=args.host, port=args.port,
                           workers=1 if dev else args.workers, factory=args.factory,
                           slot_timeout=args.slot_timeout, proxy_headers=args.proxy_headers,
                           forwarded_allow_ips=args.forwarded_allow_ips,
                           root_path=args.root_path, limits=limits, reload_dirs=reload_dirs,
                           startup_timeout=args.startup_timeout,
                           allowed_hosts=tuple(getattr(args, "allowed_hosts", ()))))


def _dev(args: argparse.Namespace) -> int:
    return _serve(args, dev=True)


def _start(args: argparse.Namespace) -> int:
    return _serve(args, dev=False)


def server_app() -> object:
    """The ASGI app of an app directory for any server's workers: ``uvicorn --factory
    panes.tools.cli:server_app`` with ``PANES_APP_DIR`` set (each worker builds its own)."""
    return serve.server_app()
