"""Where an app is served: the path inside it (``pathname``), the URL to write for one of its
paths (:func:`href`), and a Starlette ``Mount`` that answers its own bare prefix.

An app served at ``/`` and the same app mounted at ``/tracker`` (a Starlette ``Mount``, or
``--root-path`` behind a proxy) see the same ``pathname`` (``/login``): that is what route
checks compare, so a check written for one is right for the other. What goes into a link is
``href("/login")``: ``/tracker/login`` there, ``/login`` at the root.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any

from starlette.routing import Match
from starlette.routing import Mount as StarletteMount
from starlette.types import Scope

from panes.core.errors import within_mount

__all__ = ["Mount", "activate", "deactivate", "href", "pathname_of"]

#: The mount (root) path of the request being served, set by :class:`panes.App` for the
#: whole of a request (middleware, pages, actions, route handlers, streamed slots).
_root: ContextVar[str | None] = ContextVar("panes_root_path", default=None)


def activate(scope: Scope) -> Token[str | None]:
    return _root.set(scope.get("root_path", ""))


def deactivate(token: Token[str | None]) -> None:
    _root.reset(token)


def href(path: str) -> str:
    """The URL to write in a link to ``path``, a path inside the app (``/login?next=/x``):
    prefixed with the mount or root path the request came through (``/tracker/login``). A full
    URL (``https://…``) or a relative one is returned as it is. Callable in any function while
    a request is served (a page, a layout, an action, middleware, a route handler)."""
    if not isinstance(path, str):
        raise TypeError(f"href() takes a path such as '/login', not {type(path).__name__}")
    root = _root.get()
    if root is None:
        raise RuntimeError("panes.href() is called while a request is served (in a page, a "
                           "layout, an action, a route handler or middleware): only then is "
                           "the mount path known")
    return within_mount(path, {"root_path": root})


def pathname_of(scope: Scope) -> str:
    """The request's path below the mount or root path, decoded (``/login``; ``/`` at the
    root), as :func:`starlette.requests.Request.url` would give it for an app served at ``/``."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root):len(root) + 1] in ("", "/"):
        path = path[len(root):]
    return path or "/"


class Mount(StarletteMount):
    """Starlette's ``Mount`` that also answers its bare prefix: mounted at ``/shop``, ``GET
    /shop`` is the app's root page (as Next.js's ``basePath`` does), where Starlette's own
    ``Mount`` answers it with a 307 to ``/shop/``. Use it where you would use Starlette's::

        Starlette(routes=[panes.Mount("/shop", app=panes.App("app"))])
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        found, child = super().matches(scope)
        if found is Match.NONE and self.path and scope["type"] in ("http", "websocket"):
            root = scope.get("root_path", "")
            if scope["path"] == root + self.path:
                child = _child_scope(scope, self.path, self.app)
                return Match.FULL, child
        return found, child


def _child_scope(scope: Scope, prefix: str, app: Any) -> Scope:
    root = scope.get("root_path", "")
    return {"path_params": dict(scope.get("path_params", {})),
            "app_root_path": scope.get("app_root_path", root),
            "root_path": root + prefix, "endpoint": app}
