"""panes: the App Router of Next.js, with parallel routes, for Python."""

from panes.cache import revalidate_path, revalidate_tag
from panes.core.errors import (
    AppDirError,
    NotFound,
    PanesError,
    Problem,
    Redirect,
    ServerError,
    not_found,
    redirect,
)
from panes.http.actions import Invalid, invalid
from panes.http.app import App
from panes.http.middleware import rewrite
from panes.http.mount import Mount, href
from panes.render.context import selected_layout_segment, selected_layout_segments
from panes.render.cookies import CookieError, Cookies

__all__ = [
    "App",
    "AppDirError",
    "CookieError",
    "Cookies",
    "Invalid",
    "Mount",
    "NotFound",
    "PanesError",
    "Problem",
    "Redirect",
    "ServerError",
    "href",
    "invalid",
    "not_found",
    "redirect",
    "revalidate_path",
    "revalidate_tag",
    "rewrite",
    "selected_layout_segment",
    "selected_layout_segments",
]
__version__ = "0.1.0"
