"""Writing the head: the managed ``<meta>`` and ``<link>`` tags in Next.js's order, each keyed
for the client runtime (:func:`head_entries`), as HTML for a hard load (:func:`head_tags`) and
as a small JSON value for a soft navigation (:func:`head_json`, named by :func:`head_digest`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from markupsafe import escape

from panes.core.metadata.checks import VIEWPORT_CONTENT
from panes.core.metadata.records import Media, OpenGraph, Resolved, Twitter

#: The attribute that marks the tags panes manages in ``<head>``; its value is the tag's key.
MANAGED_ATTRIBUTE = "data-panes-head"


@dataclass(frozen=True, slots=True)
class Tag:
    """One tag of ``<head>``; ``key`` names it among the managed tags (a hash of its content
    and of how many identical tags come before it)."""

    name: Literal["meta", "link"]
    attrs: tuple[tuple[str, str], ...]
    key: str = ""

    def html(self, keyed: bool = True) -> str:
        attrs = "".join(f' {k}="{escape(v)}"' for k, v in self.attrs)
        if keyed and self.key:
            attrs += f' {MANAGED_ATTRIBUTE}="{self.key}"'
        return f"<{self.name}{attrs}>"


def _meta(attr: str, name: str, content: str | None) -> list[tuple[str, tuple[tuple[str, str],
                                                                             ...]]]:
    return [] if content is None else [("meta", ((attr, name), ("content", content)))]


def _media_tags(prefix: str, attr: str, media: Sequence[Media]) -> list[Any]:
    out: list[Any] = []
    for m in media:
        out += _meta(attr, prefix, m.url)
        names = {"secureUrl": "secure_url"}
        out += [t for k, v in m.properties for t in _meta(attr, f"{prefix}:{names.get(k, k)}", v)]
    return out


def head_entries(resolved: Resolved) -> list[Tag]:
    """The managed tags in Next.js's order (the ``<title>`` is apart: see :func:`head_tags`)."""
    raw: list[Any] = []
    vp = resolved.viewport
    raw += _meta("name", "viewport", ", ".join(
        f"{VIEWPORT_CONTENT[k]}={v}" for k, v in vp.content) or None)
    for color, media in vp.theme_color:
        attrs = (("name", "theme-color"), ("content", color)) + ((("media", media),)
                                                                  if media else ())
        raw.append(("meta", attrs))
    raw += _meta("name", "color-scheme", vp.color_scheme)
    basic = dict(resolved.basic)
    raw += _meta("name", "description", resolved.description)
    raw += _meta("name", "application-name", basic.get("application-name"))
    for name, url in resolved.authors:
        if url:
            raw.append(("link", (("rel", "author"), ("href", url))))
        raw += _meta("name", "author", name)
    if resolved.manifest:
        raw.append(("link", (("rel", "manifest"), ("href", resolved.manifest))))
    raw += _meta("name", "generator", basic.get("generator"))
    raw += _meta("name", "keywords", ",".join(resolved.keywords) if resolved.keywords else None)
    for name in ("referrer", "creator", "publisher"):
        raw += _meta("name", name, basic.get(name))
    raw += _meta("name", "robots", resolved.robots)
    raw += _meta("name", "googlebot", resolved.googlebot)
    raw += _meta("name", "abstract", basic.get("abstract"))
    raw += [("link", (("rel", rel), ("href", href))) for rel, href in resolved.links]
    raw += _meta("name", "category", basic.get("category"))
    raw += _meta("name", "classification", basic.get("classification"))
    raw += [t for name, content in resolved.other for t in _meta("name", name, content)]
    if resolved.canonical:
        href, title = resolved.canonical
        raw.append(("link", (("rel", "canonical"),) + ((("title", title),) if title else ())
                    + (("href", href),)))
    for attr, value, href, title in resolved.alternates:
        raw.append(("link", (("rel", "alternate"), (attr, value))
                    + ((("title", title),) if title else ()) + (("href", href),)))
    raw += [("meta", (("property", p), ("content", c))) for p, c in resolved.facebook]
    raw += _meta("name", "format-detection", resolved.format_detection)
    raw += [t for name, content in resolved.verification for t in _meta("name", name, content)]
    if resolved.open_graph is not None:
        raw += _open_graph_tags(resolved.open_graph)
    if resolved.twitter is not None:
        raw += _twitter_tags(resolved.twitter)
    raw += [("link", attrs) for attrs in resolved.icons]
    return _keyed(raw)


def _open_graph_tags(og: OpenGraph) -> list[Any]:
    """The og: tags (and those of the og:type), in Next.js's order."""
    raw: list[Any] = []
    raw += [t for p, c in og.basic if p == "og:determiner" for t in _meta("property", p, c)]
    raw += _meta("property", "og:title", og.title.absolute if og.title and og.title.absolute
                 else None)
    raw += _meta("property", "og:description", og.description)
    raw += _meta("property", "og:url", og.url)
    raw += [t for p, c in og.basic if p != "og:determiner"
            and not p.startswith(("og:email", "og:phone", "og:fax", "og:locale:"))
            for t in _meta("property", p, c)]
    raw += _media_tags("og:image", "property", og.images)
    raw += _media_tags("og:video", "property", og.videos)
    raw += _media_tags("og:audio", "property", og.audio)
    raw += [t for p, c in og.basic if p.startswith(("og:email", "og:phone", "og:fax",
                                                     "og:locale:"))
            for t in _meta("property", p, c)]
    raw += _meta("property", "og:type", og.type)
    raw += [t for p, c in og.typed for t in _meta("property", p, c)]
    return raw


def _twitter_tags(tw: Twitter) -> list[Any]:
    """The twitter: tags, in Next.js's order."""
    raw: list[Any] = []
    raw += _meta("name", "twitter:card", tw.card)
    raw += [t for p, c in tw.basic for t in _meta("name", p, c)]
    raw += _meta("name", "twitter:title", tw.title.absolute if tw.title and tw.title.absolute
                 else None)
    raw += _meta("name", "twitter:description", tw.description)
    raw += _media_tags("twitter:image", "name", tw.images)
    return raw


def _keyed(raw: Sequence[tuple[Literal["meta", "link"], tuple[tuple[str, str], ...]]]
           ) -> list[Tag]:
    seen: dict[str, int] = {}
    tags = []
    for name, attrs in raw:
        text = json.dumps([name, attrs], separators=(",", ":"), ensure_ascii=False)
        n = seen[text] = seen.get(text, -1) + 1
        key = hashlib.sha1(f"{text}#{n}".encode()).hexdigest()[:8]
        tags.append(Tag(name, attrs, key))
    return tags


def head_tags(resolved: Resolved, *, keyed: bool = True) -> str:
    """The HTML that goes into ``<head>``: ``<title>`` first, then every managed tag, each
    marked with ``data-panes-head`` so that the client runtime can replace them later."""
    title = resolved.title.absolute if resolved.title and resolved.title.absolute else None
    head = f"<title>{escape(title)}</title>" if title is not None else ""
    return head + "".join(tag.html(keyed) for tag in head_entries(resolved))


def head_json(resolved: Resolved) -> dict[str, Any]:
    """The head for a soft navigation: ``{"title": str | None, "tags": [[key, name, {attrs}],
    …]}``; the client sets ``document.title`` and swaps the managed tags whose key changed."""
    title = resolved.title.absolute if resolved.title and resolved.title.absolute else None
    return {"title": title,
            "tags": [[tag.key, tag.name, dict(tag.attrs)] for tag in head_entries(resolved)]}


def head_digest(head: Mapping[str, Any]) -> str:
    """A short name for a :func:`head_json` value: the state carries it, so that a soft
    navigation sends the head only when it changes."""
    text = json.dumps(head, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=5).hexdigest()


class Head:
    """A resolved head and its three written forms, each made once, when first asked for: a
    head an app keeps (one made of metadata dicts only) is written once, not per request."""

    __slots__ = ("resolved", "_tags", "_json", "_digest")

    def __init__(self, resolved: Resolved) -> None:
        self.resolved = resolved
        self._tags: str | None = None
        self._json: dict[str, Any] | None = None
        self._digest: str | None = None

    @property
    def tags(self) -> str:
        """:func:`head_tags`: the HTML of a hard load."""
        if self._tags is None:
            self._tags = head_tags(self.resolved)
        return self._tags

    @property
    def json(self) -> dict[str, Any]:
        """:func:`head_json`: what a soft navigation sends (read-only: it is shared)."""
        if self._json is None:
            self._json = head_json(self.resolved)
        return self._json

    @property
    def digest(self) -> str:
        """:func:`head_digest` of :attr:`json`: the name the state carries."""
        if self._digest is None:
            self._digest = head_digest(self.json)
        return self._digest
