"""The serving baseline: the dashboard's ``/`` written by hand as one Starlette endpoint.

It builds the same HTML the same way panes does, from the dashboard's own files: the root
layout gets ``children`` = ``app/page.py``, ``team`` = ``app/@team/page.py`` and ``analytics`` =
``app/@analytics/layout.py`` wrapping ``app/@analytics/page.py``; each piece is turned into
HTML (``__html__``) and passed on as ``Markup``. No routing, no slot machinery, no
concurrency: what is left is the cost of the user's own code plus Starlette and uvicorn.

Served the way ``panes start`` serves an app, so that only the app differs:
``BENCH_APP_DIR=examples/dashboard/app PYTHONPATH=bench panes start baseline_dashboard:from_env
--factory`` (``BENCH_CACHED=1``: render once, then send those bytes).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_APP_DIR = ROOT / "examples" / "dashboard" / "app"


class Piece:
    """One user function, loaded by file path, with the argument names it declares."""

    def __init__(self, app_dir: Path, rel: str, kind: str) -> None:
        path = app_dir / rel
        name = "_baseline_" + rel.replace("/", "_").replace("@", "").removesuffix(".py")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        self.func = getattr(module, kind)
        params = inspect.signature(self.func).parameters.values()
        self.takes_all = any(p.kind is p.VAR_KEYWORD for p in params)
        self.wants = frozenset(p.name for p in params if p.kind is not p.VAR_KEYWORD)

    async def html(self, **available: Any) -> Markup:
        """Call with the arguments it declares; its result as HTML (what panes does)."""
        kwargs = (
            available if self.takes_all else {k: v for k, v in available.items() if k in self.wants}
        )
        result = self.func(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return Markup(to_html(result))


def to_html(value: Any) -> str:
    if value is None:
        return ""
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else str(escape(value))


def build(app_dir: Path = DEFAULT_APP_DIR, cached: bool = False) -> Starlette:
    """The baseline app; ``cached`` renders once and then serves those bytes (the ceiling:
    uvicorn + Starlette sending the same response, with no rendering at all)."""
    app_dir = app_dir.resolve()
    parent = str(app_dir.parent)  # so that `app._ui.components` imports, as under panes
    if parent not in sys.path:
        sys.path.insert(0, parent)
    root_layout = Piece(app_dir, "layout.py", "layout")
    page = Piece(app_dir, "page.py", "page")
    team_page = Piece(app_dir, "@team/page.py", "page")
    analytics_layout = Piece(app_dir, "@analytics/layout.py", "layout")
    analytics_page = Piece(app_dir, "@analytics/page.py", "page")

    cache: list[str] = []

    async def home(request: Request) -> HTMLResponse:
        if cache:
            return HTMLResponse(cache[0])
        common = {"params": {}, "request": request}
        leaf = {**common, "search_params": request.query_params}
        children = await page.html(**leaf)
        team = await team_page.html(**leaf)
        analytics = await analytics_layout.html(
            **common, children=await analytics_page.html(**leaf)
        )
        body = await root_layout.html(**common, children=children, team=team, analytics=analytics)
        if body.lstrip()[:9].lower() != "<!doctype":
            body = "<!DOCTYPE html>" + body
        if cached:
            cache.append(body)
        return HTMLResponse(body)

    return Starlette(routes=[Route("/", home)])


def from_env() -> Starlette:
    """The factory ``panes start`` calls: the app directory in ``BENCH_APP_DIR``, the ceiling
    with ``BENCH_CACHED=1``."""
    return build(Path(os.environ.get("BENCH_APP_DIR") or DEFAULT_APP_DIR),
                 bool(os.environ.get("BENCH_CACHED")))
