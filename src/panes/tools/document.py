"""The test client's copy of a page, as text: what ``panes.js`` does to the DOM (regions found
between panes's markers, streamed fills moved in, answers swapped in, the head replaced), and
what a test reads back (regions, text, head tags, marked forms).

Kept apart from :mod:`panes.tools.testing` so the client holds only the requests and the
records; this module knows the markup panes writes.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from panes.core.diff import KEEP

START = re.compile(r"<!--panes:(?!keep-->)(.*?)-->")
MARKERS = re.compile(r"<!--/?panes:[^>]*?-->")
STATE = re.compile(r'<script type="application/x-panes-state" id="panes-state">(.*?)</script>',
                   re.DOTALL)
#: A form panes marked (panes.render.forms): its id, if any, and the value of its hidden field.
MARKED = re.compile(r"<form\b(?:[^>]*?\sid=(?:\"([^\"]*)\"|'([^']*)'))?[^>]*>"
                    r'<input type="hidden" name="_panes_action" value="(\w+)">', re.IGNORECASE)
RUNTIME = re.compile(r'<script src="[^"]*/_panes/[^"]*"[^>]*></script>')
FILL = re.compile(r'<div data-panes-fill="([^"]*)">(.*?)</div>'
                  r"<script>panes\.fill\(document\.currentScript\)</script>", re.DOTALL)
TAGS = re.compile(r"<[^>]+>")
MANAGED = re.compile(r'<(?:meta|link)\b[^>]*\bdata-panes-head="[^"]*"[^>]*>')


# -- reading ------------------------------------------------------------------------------------


def state_of(doc: str) -> dict[str, Any] | None:
    """The navigation state a document carries (its ``panes-state`` script), if any."""
    found = STATE.search(doc)
    return json.loads(found.group(1)) if found else None


def regions(doc: str) -> dict[str, str]:
    """Every region's HTML by id (``""`` is the document), without panes's markers."""
    out = {"": visible(doc)}
    for match in START.finditer(doc):
        rid = match.group(1)
        out[rid] = visible(region(doc, rid) or "")
    return out


def text(source: str, *, whole: bool = False) -> str:
    """Tags removed and whitespace collapsed; ``whole``: a document, of which the body counts."""
    if whole:
        body = re.search(r"<body[^>]*>(.*)</body>", source, re.DOTALL | re.IGNORECASE)
        source = body.group(1) if body else source
    source = re.sub(r"<(script|style|template)\b.*?</\1>", " ", source,
                    flags=re.DOTALL | re.IGNORECASE)
    return " ".join(html_lib.unescape(TAGS.sub(" ", source)).split())


def marked_forms(doc: str) -> dict[str, str]:
    """The forms panes marked, by id (``""`` for one without), → the value of the hidden field."""
    return {(m.group(1) or m.group(2) or ""): m.group(3) for m in MARKED.finditer(doc)}


def visible(html: str) -> str:
    """What a test compares: the state, the runtime's script tag and the markers taken out."""
    html = STATE.sub("", html)
    html = RUNTIME.sub("", html)
    return MARKERS.sub("", html)


def _bounds(doc: str, rid: str) -> tuple[int, int] | None:
    start_marker, end_marker = f"<!--panes:{rid}-->", f"<!--/panes:{rid}-->"
    start = doc.find(start_marker)
    if start < 0:
        return None
    start += len(start_marker)
    end = doc.find(end_marker, start)
    return None if end < 0 else (start, end)


def region(doc: str, rid: str) -> str | None:
    """The HTML between region ``rid``'s markers (``None``: the document does not show it)."""
    found = _bounds(doc, rid)
    return None if found is None else doc[found[0]:found[1]]


# -- applying an answer -------------------------------------------------------------------------


def _resolve_keeps(new: str, old: str) -> str:
    """``<!--panes:R--><!--panes:~keep--><!--/panes:R-->`` takes what region R showed."""
    def keep(match: re.Match[str]) -> str:
        rid = match.group(1)
        kept = region(old, rid)
        return f"<!--panes:{rid}-->{kept if kept is not None else ''}<!--/panes:{rid}-->"

    return re.sub(r"<!--panes:([^>]*?)-->" + re.escape(KEEP) + r"<!--/panes:\1-->", keep, new)


def swap(doc: str, rid: str, html: str) -> str:
    """Region ``rid`` of ``doc`` replaced by ``html`` (``""``: the whole document, which keeps
    its state and runtime script); a region the page does not show fails the test."""
    html = _resolve_keeps(html, doc)
    if rid == "":
        state = STATE.search(doc)
        runtime = RUNTIME.search(doc)
        extra = (state.group(0) if state else "") + (runtime.group(0) if runtime else "")
        cut = html.rfind("</body>")
        return html[:cut] + extra + html[cut:] if cut >= 0 else html + extra
    found = _bounds(doc, rid)
    if found is None:
        raise AssertionError(f"the answer swaps region {rid!r}, which the page does not show")
    return doc[:found[0]] + html + doc[found[1]:]


def apply_fills(doc: str) -> str:
    """A streamed document's fills, moved into their regions as the runtime moves them."""
    while True:
        found = FILL.search(doc)
        if found is None:
            return doc
        rid, html = html_lib.unescape(found.group(1)), found.group(2)
        doc = doc[:found.start()] + doc[found.end():]
        doc = swap(doc, rid, html)


def apply_head(doc: str, head: Mapping[str, Any]) -> str:
    """A soft navigation's head (``{"title": …, "tags": [[key, name, attrs], …]}``)."""
    title = html_lib.escape(head.get("title") or "")
    if re.search(r"<title>.*?</title>", doc, re.DOTALL):
        doc = re.sub(r"<title>.*?</title>", lambda _: f"<title>{title}</title>", doc, count=1,
                     flags=re.DOTALL)
    doc = MANAGED.sub("", doc)
    tags = "".join(
        f"<{name}" + "".join(f' {k}="{html_lib.escape(str(v))}"' for k, v in attrs.items())
        + f' data-panes-head="{key}">' for key, name, attrs in head.get("tags", []))
    cut = doc.find("</head>")
    return doc[:cut] + tags + doc[cut:] if cut >= 0 else doc


# -- the head -----------------------------------------------------------------------------------


@dataclass
class Head:
    """A document's ``<title>`` and its ``<meta>``/``<link>`` tags, with their attributes."""

    title: str | None = None
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head = Head()
        self._in_title = False
        self._title: list[str] = []
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._done:
            return
        if tag == "title":
            self._in_title = True
        elif tag in ("meta", "link"):
            self.head.tags.append((tag, {k: v or "" for k, v in attrs}))
        elif tag == "body":
            self._done = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.head.title = "".join(self._title)
        elif tag == "head":
            self._done = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)


def head(doc: str) -> Head:
    """The head of ``doc``, read up to ``</head>`` or ``<body>``."""
    parser = _HeadParser()
    parser.feed(doc)
    return parser.head
