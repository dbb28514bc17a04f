"""Turning what user functions return into HTML, and the few documents panes writes itself."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

__all__ = ["Markup", "escape", "to_html", "document", "ensure_doctype", "error_document",
           "builtin_not_found"]


def to_html(value: Any) -> str:
    """``__html__`` is inserted as is, ``None`` is nothing, a list (or any iterable that is
    not text) is its items in order, anything else is escaped text."""
    if value is None:
        return ""
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return str(escape(value))
    return "".join(to_html(item) for item in value)


def document(body: str, title: str = "") -> str:
    """The minimal document panes supplies when the app has no root layout."""
    head = f"<title>{escape(title)}</title>" if title else ""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{head}</head><body>{body}</body></html>"
    )


def ensure_doctype(html: str) -> str:
    if html.lstrip()[:9].lower() == "<!doctype":
        return html
    return "<!DOCTYPE html>" + html


_STYLE = (
    "<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;"
    "min-height:100vh;color:#222}main{max-width:48rem;padding:2rem}"
    "pre{background:#f6f6f6;padding:1rem;overflow:auto;font-size:13px}</style>"
)


def builtin_not_found() -> str:
    return Markup("<main><h1>404</h1><p>This page could not be found.</p></main>")


def error_document(status: int, message: str, exc: BaseException | None = None) -> str:
    """A status page; the traceback is included only when ``exc`` is given (``panes dev``)."""
    details = ""
    if exc is not None:
        details = "<pre>" + str(escape("".join(traceback.format_exception(exc)))) + "</pre>"
    return document(
        f"{_STYLE}<main><h1>{status}</h1><p>{escape(message)}</p>{details}</main>",
        title=f"{status}: {message}",
    )
