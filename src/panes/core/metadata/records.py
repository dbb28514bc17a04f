"""Resolved metadata: the frozen records that merging produces and the tags are written from,
and :class:`MetadataError`, raised when a segment's metadata is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from panes.core.errors import PanesError, Problem

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Title:
    """A resolved title: what ``<title>`` shows, and the template handed to segments below."""

    absolute: str
    template: str | None = None


@dataclass(frozen=True, slots=True)
class Media:
    """An Open Graph or Twitter image, video or audio: its URL and its properties in order."""

    url: str
    properties: Pairs = ()  # ("width", "800"), ("alt", "…")


@dataclass(frozen=True, slots=True)
class OpenGraph:
    title: Title | None = None
    description: str | None = None
    url: str | None = None
    type: str | None = None
    images: tuple[Media, ...] = ()
    videos: tuple[Media, ...] = ()
    audio: tuple[Media, ...] = ()
    basic: Pairs = ()  # og:site_name, og:locale, … in Next.js's order
    typed: Pairs = ()  # article:author, … for the og:type


@dataclass(frozen=True, slots=True)
class Twitter:
    card: str = "summary"
    title: Title | None = None
    description: str | None = None
    images: tuple[Media, ...] = ()
    has_images: bool = False  # the segment set "images" itself (even to an empty list)
    basic: Pairs = ()  # twitter:site, twitter:site:id, twitter:creator, twitter:creator:id


@dataclass(frozen=True, slots=True)
class Viewport:
    """The resolved viewport; Next.js's default is ``width=device-width, initial-scale=1``."""

    content: Pairs = (("width", "device-width"), ("initialScale", "1"))
    theme_color: Pairs = ()  # (color, media or "")
    color_scheme: str | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """Metadata merged along a route, ready to be written as tags."""

    title: Title | None = None
    description: str | None = None
    metadata_base: str | None = None
    basic: Pairs = ()  # (name, content) of the simple <meta name> tags, Next.js's order
    authors: tuple[tuple[str | None, str | None], ...] = ()  # (name, url)
    keywords: tuple[str, ...] = ()
    robots: str | None = None
    googlebot: str | None = None
    manifest: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # archives/assets/bookmarks: (rel, href)
    canonical: tuple[str, str | None] | None = None  # (href, title)
    alternates: tuple[tuple[str, str, str, str | None], ...] = ()  # (attr, value, href, title)
    open_graph: OpenGraph | None = None
    twitter: Twitter | None = None
    icons: tuple[tuple[tuple[str, str], ...], ...] = ()  # attributes of each <link>
    verification: Pairs = ()
    format_detection: str | None = None
    facebook: Pairs = ()
    other: Pairs = ()
    viewport: Viewport = field(default_factory=Viewport)


class MetadataError(PanesError):
    """Metadata that a function returned is wrong; ``problems`` holds one Problem each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
