"""The few documents panes writes itself, and what it writes into a layout's document: the
head's tags, the doctype. (What user functions return becomes HTML in
:mod:`panes.render.calls`.)"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

__all__ = ["builtin_not_found", "document", "ensure_doctype", "error_document", "is_document",
           "late_head", "with_head"]


def document(body: str, title: str = "", head: str | None = None) -> str:
    """The minimal document panes supplies when the app has no root layout; ``head`` (the
    metadata's tags, viewport included) replaces the default viewport and ``title``."""
    if head is None:
        head = '<meta name="viewport" content="width=device-width, initial-scale=1">' + (
            f"<title>{escape(title)}</title>" if title else "")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head>'
            f"<body>{body}</body></html>")


# (letter classes rather than IGNORECASE: the engine then skips to each "<" at C speed, where
# a layout's head often holds kilobytes of inline CSS)
_HEAD_END = re.compile(r"</[hH][eE][aA][dD]\s*>")
_BODY_START = re.compile(r"<body[\s>]", re.IGNORECASE)
_HTML_START = re.compile(r"<html(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.IGNORECASE)
#: what the head's tags replace in a layout's head: its viewport <meta>, and its <title>
_REPLACED = re.compile(
    r"<(?:(?P<title>[tT][iI][tT][lL][eE][\s>].*?</[tT][iI][tT][lL][eE]\s*>)"
    r"|[mM][eE][tT][aA]\s[^>]*[nN][aA][mM][eE]=[\"']?[vV][iI][eE][wW][pP][oO][rR][tT][\"'\s>][^>]*>)",
    re.DOTALL)


def late_head(tags: str, head_json: str) -> str:
    """The head of a streamed document whose metadata finished after the first flush, as
    Next.js 15.2+ streams it: the runtime moves it into ``<head>``; without JavaScript the
    browser reads the ``<title>`` from the body (the first flush wrote none)."""
    return f"<noscript>{tags}</noscript><script>panes.head({head_json})</script>"


def with_head(html: str, tags: str, *, replace_title: bool) -> tuple[str, bool]:
    """A document with ``tags`` at the end of its ``<head>`` (one is made when the layout wrote
    none). The layout's own viewport ``<meta>`` goes (``tags`` hold the viewport), and with
    ``replace_title`` its ``<title>``, so that the metadata's is the one browsers show; the flag
    returned says whether there was one."""
    end = _HEAD_END.search(html)
    if end is not None:
        dropped = False

        def replaced(match: re.Match[str]) -> str:
            nonlocal dropped
            if match.group("title") is None:
                return ""  # the viewport: the tags hold it
            if not replace_title:
                return match.group()
            dropped = True
            return ""

        before = _REPLACED.sub(replaced, html[:end.start()])
        return before + tags + html[end.start():], dropped
    at = _BODY_START.search(html) or None
    if at is not None:
        return html[:at.start()] + f"<head>{tags}</head>" + html[at.start():], False
    start = _HTML_START.search(html) or _DOCTYPE.match(html)
    cut = start.end() if start is not None else 0
    return html[:cut] + f"<head>{tags}</head>" + html[cut:], False


def is_document(html: str) -> bool:
    """Whether a layout's HTML is a whole document (it wrote ``<html>``)."""
    return html.lstrip()[:9].lower().startswith(("<!doctype", "<html"))


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
    """A status page. With ``exc`` (only ever given under ``panes dev``) it is the error
    overlay: the message, the user's line with code around it, the traceback with the user's
    frames first and panes's folded; the dev script added to it reloads it once fixed."""
    if exc is not None:
        from panes.render.overlay import overlay_document

        return overlay_document(status, exc, title=message)
    return document(
        f"{_STYLE}<main><h1>{status}</h1><p>{escape(message)}</p></main>",
        title=f"{status}: {message}",
    )
