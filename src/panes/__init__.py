"""panes: the App Router of Next.js, with parallel routes, for Python."""

from .actions import Invalid, invalid
from .app import App
from .cache import revalidate_path, revalidate_tag
from .context import selected_layout_segment, selected_layout_segments
from .cookies import CookieError, Cookies
from .errors import (
    AppDirError,
    NotFound,
    PanesError,
    Problem,
    Redirect,
    ServerError,
    not_found,
    redirect,
)
from .middleware import rewrite
from .mount import Mount, href

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
