"""panes: the App Router of Next.js, with parallel routes, for Python."""

from .app import App
from .cache import revalidate_path, revalidate_tag
from .context import selected_layout_segment, selected_layout_segments
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

__all__ = [
    "App",
    "AppDirError",
    "NotFound",
    "PanesError",
    "Problem",
    "Redirect",
    "ServerError",
    "not_found",
    "redirect",
    "revalidate_path",
    "revalidate_tag",
    "selected_layout_segment",
    "selected_layout_segments",
]
__version__ = "0.1.0"
