"""The records of an answer to a soft navigation or a restore, and how each is framed: one
JSON line (``t`` names the record, ``n`` the lengths of its HTML parts), then the HTML, raw
(see :mod:`panes.core.protocol` for the whole wire, the signed state included).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["Fill", "Hard", "Patch", "Record", "RedirectRecord", "StateRecord", "dumps", "frame",
           "parse"]


def dumps(obj: Any) -> str:
    """JSON that is safe as it is inside ``<script>``, in a header and in a record."""
    raw = orjson.dumps(obj)
    text = raw.decode() if raw.isascii() else json.dumps(obj, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True, slots=True)
class Patch:
    """``partial``: a prefetch that stopped at loading boundaries (shown while the navigation
    itself is fetched, never taken as what the browser shows)."""

    regions: tuple[str, ...]
    html: tuple[str, ...]
    state: Mapping[str, Any]
    push: bool = True
    head: Mapping[str, Any] | None = None  # the new head, when it changed
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Fill:
    region: str
    html: str


@dataclass(frozen=True, slots=True)
class StateRecord:
    state: Mapping[str, Any]
    head: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class RedirectRecord:
    url: str


@dataclass(frozen=True, slots=True)
class Hard:
    """Load the URL as a full page."""


Record = Patch | Fill | StateRecord | RedirectRecord | Hard


def frame(record: Record) -> str:
    """One record as it is sent: its JSON line, then its HTML parts, raw."""
    head: dict[str, Any]
    html: Sequence[str] = ()
    match record:
        case Patch():
            head = {"t": "patch", "swap": list(record.regions), **record.state}
            if not record.push:
                head["push"] = False
            if record.head is not None:
                head["head"] = record.head
            if record.partial:
                head["partial"] = 1
            html = record.html
        case Fill():
            head, html = {"t": "fill", "region": record.region}, (record.html,)
        case StateRecord():
            head = {"t": "state", **record.state}
            if record.head is not None:
                head["head"] = record.head
        case RedirectRecord():
            head = {"t": "redirect", "url": record.url}
        case Hard():
            head = {"t": "hard"}
    if html:
        head["n"] = [len(h.encode("utf-16-le")) // 2 for h in html]
    return dumps(head) + "\n" + "".join(html)


def parse(text: str) -> list[dict[str, Any]]:
    """The records of a whole answer, each head with its HTML parts as ``html`` (for tests and
    :mod:`panes.testing`; the runtime cuts them out as they arrive)."""
    out = []
    while text:
        eol = text.index("\n")
        head = json.loads(text[:eol])
        units = text[eol + 1:].encode("utf-16-le")
        parts, at = [], 0
        for size in head.get("n", []):
            parts.append(units[at * 2:(at + size) * 2].decode("utf-16-le"))
            at += size
        head["html"] = parts
        text = units[at * 2:].decode("utf-16-le")
        out.append(head)
    return out
