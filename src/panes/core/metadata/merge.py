"""Merging metadata along a route as Next.js does: titles and their templates, URLs against
``metadataBase``, each key's value turned into the records of :mod:`.records`, and the
fallbacks of Twitter to Open Graph to the page (:func:`merge`, :func:`merge_viewport`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from panes.core.metadata.checks import OG_TYPED, ROBOTS_KEYS, VIEWPORT_CONTENT
from panes.core.metadata.records import Media, OpenGraph, Pairs, Resolved, Title, Twitter, Viewport

Contribution = tuple[str, Mapping[str, Any] | None]


def _directory(file: str) -> str:
    return posixpath.dirname(file.replace("\\", "/"))


def _below(directory: str, ancestor: str) -> bool:
    """Is ``directory`` strictly below ``ancestor`` (both relative to the app directory)?"""
    if directory == ancestor:
        return False
    return ancestor == "" or directory.startswith(ancestor + "/")


def _template_for(history: Sequence[tuple[str, str | None]], file: str) -> str | None:
    """The template a segment's title gets: that of the nearest layout *above* it that set the
    key (a title set without a template clears it), as Next.js does for a page below layouts."""
    here = _directory(file)
    for directory, template in reversed(history):
        if _below(here, directory):
            return template
    return None


def _apply_template(template: str | None, title: str) -> str:
    return template.replace("%s", title) if template else title


def resolve_title(value: Any, template: str | None) -> Title:
    """Next.js's title rule: a str or ``default`` goes through the template from above;
    ``absolute`` ignores it; the dict's own ``template`` is only kept for segments below."""
    if isinstance(value, str):
        return Title(_apply_template(template, value), None)
    if isinstance(value, Mapping):
        resolved = ""
        if isinstance(value.get("default"), str):
            resolved = _apply_template(template, value["default"])
        if value.get("absolute"):
            resolved = str(value["absolute"])
        own = value.get("template")
        return Title(resolved, own if isinstance(own, str) else None)
    return Title("", None)


def resolve_url(url: str, base: str | None) -> str:
    """Join a relative URL to ``metadataBase`` as Next.js does (``/x``, ``x``, ``./x`` and
    ``../x`` all land below the base's path); absolute URLs, and any URL without a base, are
    kept as written."""
    if not base or urlsplit(url).scheme:
        return url
    parts = urlsplit(base)
    path, _, query = url.partition("?")
    joined = posixpath.normpath(posixpath.join(parts.path or "/", path.lstrip("/") or "."))
    joined = "/" + joined.lstrip("/") if joined != "." else "/"
    if path.endswith("/") and not joined.endswith("/"):
        joined += "/"
    return f"{parts.scheme}://{parts.netloc}{joined}" + (f"?{query}" if query else "")


def _page_url(url: str, base: str | None, pathname: str) -> str:
    """canonical and og:url: ``./x`` is relative to the page; the bare origin has no slash."""
    if url.startswith("./"):
        url = posixpath.normpath(posixpath.join(pathname or "/", url))
    resolved = resolve_url(url, base)
    parts = urlsplit(resolved)
    if base and parts.scheme and parts.path in ("", "/") and not parts.query:
        return f"{parts.scheme}://{parts.netloc}"
    return resolved


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _media(value: Any, base: str | None, keys: Sequence[str]) -> tuple[Media, ...]:
    out = []
    for item in _as_list(value):
        if isinstance(item, str):
            out.append(Media(resolve_url(item, base)))
        elif isinstance(item, Mapping) and item.get("url"):
            props = []
            for key in keys:
                if item.get(key) is not None:
                    v = item[key]
                    if key == "secureUrl":
                        v = resolve_url(str(v), base)
                    props.append((key, _text(v)))
            out.append(Media(resolve_url(str(item["url"]), base), tuple(props)))
    return tuple(out)


IMAGE_KEYS = ("secureUrl", "type", "width", "height", "alt")
_OG_BASIC_ORDER = (("siteName", "og:site_name"), ("locale", "og:locale"),
                   ("countryName", "og:country_name"), ("ttl", "og:ttl"))
_OG_MULTI = (("emails", "og:email"), ("phoneNumbers", "og:phone_number"),
             ("faxNumbers", "og:fax_number"), ("alternateLocale", "og:locale:alternate"))


def _open_graph(og: Mapping[str, Any], base: str | None, pathname: str,
                template: str | None) -> OpenGraph:
    basic = [("og:determiner", _text(og["determiner"]))] if og.get("determiner") else []
    basic += [(prop, _text(og[key])) for key, prop in _OG_BASIC_ORDER
              if og.get(key) is not None]
    basic += [(prop, _text(v)) for key, prop in _OG_MULTI for v in _as_list(og.get(key))]
    og_type = og.get("type")
    typed = []
    for key, (prop, several) in OG_TYPED.get(str(og_type), {}).items():
        values = _as_list(og.get(key)) if several else ([og[key]] if og.get(key) else [])
        typed += [(prop, _text(v)) for v in values]
    return OpenGraph(
        title=resolve_title(og["title"], template) if "title" in og else Title("", None),
        description=og.get("description") or None,
        url=_page_url(og["url"], base, pathname) if og.get("url") else None,
        type=str(og_type) if og_type else None,
        images=_media(og.get("images"), base, IMAGE_KEYS),
        videos=_media(og.get("videos"), base, ("secureUrl", "type", "width", "height")),
        audio=_media(og.get("audio"), base, ("secureUrl", "type")),
        basic=tuple(basic), typed=tuple(typed))


def _twitter(tw: Mapping[str, Any], base: str | None, template: str | None) -> Twitter:
    images = _media(tw.get("images"), base, ("alt",))
    basic = tuple((prop, str(tw[key])) for key, prop in (
        ("site", "twitter:site"), ("siteId", "twitter:site:id"), ("creator", "twitter:creator"),
        ("creatorId", "twitter:creator:id")) if tw.get(key))
    card = tw.get("card") or ("summary_large_image" if images else "summary")
    return Twitter(card=str(card),
                   title=resolve_title(tw["title"], template) if "title" in tw else Title(""),
                   description=tw.get("description") or None, images=images,
                   has_images=bool(tw.get("images")), basic=basic)


def _robots(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, str):
        return value
    words = []
    if value.get("index"):
        words.append("index")
    elif isinstance(value.get("index"), bool):
        words.append("noindex")
    if value.get("follow"):
        words.append("follow")
    elif isinstance(value.get("follow"), bool):
        words.append("nofollow")
    for key in ROBOTS_KEYS:
        v = value.get(key)
        if v is not None and v is not False:
            words.append(key if v is True else f"{key}:{v}")
    return ", ".join(words)


_ICON_ATTRS = ("sizes", "type", "media", "color", "fetchPriority")


def _icons(value: Any) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Icons as Next.js writes them: shortcut, icon, apple, then other (each with its rel)."""
    if isinstance(value, str | list | tuple):
        groups: dict[str, Any] = {"icon": value}
    elif isinstance(value, Mapping):
        groups = dict(value)
    else:
        return ()
    links: list[tuple[tuple[str, str], ...]] = []
    for group, rel in (("shortcut", "shortcut icon"), ("icon", "icon"),
                       ("apple", "apple-touch-icon"), ("other", None)):
        for icon in _as_list(groups.get(group)):
            if isinstance(icon, str):
                links.append((("rel", rel or "icon"), ("href", icon)))
            elif isinstance(icon, Mapping) and icon.get("url"):
                attrs = [("rel", rel or str(icon.get("rel") or "icon")), ("href", icon["url"])]
                attrs += [(k.lower(), str(icon[k])) for k in _ICON_ATTRS if icon.get(k)]
                links.append(tuple(attrs))
    return tuple(links)


_BASIC = (("applicationName", "application-name"), ("generator", "generator"),
          ("referrer", "referrer"), ("creator", "creator"), ("publisher", "publisher"),
          ("abstract", "abstract"), ("category", "category"),
          ("classification", "classification"))


def _link(value: Any) -> tuple[str, str | None] | None:
    if isinstance(value, str):
        return value, None
    if isinstance(value, Mapping) and value.get("url"):
        return str(value["url"]), value.get("title")
    return None


def _group(pairs: Pairs) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for k, v in pairs:
        grouped.setdefault(k, []).append(v)
    return grouped


def _alternates(value: Any, base: str | None, pathname: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {"canonical": None, "alternates": ()}
    canonical = _link(value.get("canonical"))
    if canonical:
        canonical = (_page_url(canonical[0], base, pathname), canonical[1])
    alts: list[tuple[str, str, str, str | None]] = []
    for attr, key in (("hreflang", "languages"), ("media", "media"), ("type", "types")):
        for name, links in (value.get(key) or {}).items():
            for link in _as_list(links):
                one = _link(link)
                if one:
                    alts.append((attr, name, resolve_url(one[0], base), one[1]))
    return {"canonical": canonical, "alternates": tuple(alts)}


def _verification(value: Any) -> Pairs:
    if not isinstance(value, Mapping):
        return ()
    pairs: list[tuple[str, str]] = []
    for key, name in (("google", "google-site-verification"), ("yahoo", "y_key"),
                      ("yandex", "yandex-verification"), ("me", "me")):
        pairs += [(name, _text(v)) for v in _as_list(value.get(key))]
    for name, values in (value.get("other") or {}).items():
        pairs += [(name, _text(v)) for v in _as_list(values)]
    return tuple(pairs)


def _format_detection(value: Any) -> str | None:
    return ", ".join(
        f"{k}=no" for k in ("telephone", "date", "address", "email", "url")
        if isinstance(value, Mapping) and k in value) or None


def _facebook(value: Any) -> Pairs:
    fb = value if isinstance(value, Mapping) else {}
    return ((("fb:app_id", str(fb["appId"])),) if fb.get("appId")
            else ()) + tuple(("fb:admins", str(a)) for a in _as_list(fb.get("admins")))


def _other(before: Pairs, value: Any) -> Pairs:
    """``other`` merges name by name: a segment's names replace those above, the rest stay."""
    merged = dict(_group(before))
    merged.update({k: [_text(v) for v in _as_list(val)] for k, val in (value or {}).items()})
    return tuple((k, v) for k, vs in merged.items() for v in vs)


def _authors(value: Any) -> tuple[tuple[Any, Any], ...]:
    return tuple((a.get("name"), a.get("url") or None)
                 for a in _as_list(value) if isinstance(a, Mapping))


def _keywords(value: Any) -> tuple[str, ...]:
    return tuple(str(k) for k in _as_list(value))


def _or_none(value: Any) -> Any:
    return value or None


#: The keys whose value alone makes their field (no base URL, template or segment above):
#: key → (the field of :class:`Resolved`, the value turned into it).
_PLAIN: Mapping[str, tuple[str, Callable[[Any], Any]]] = {
    "metadataBase": ("metadata_base", _or_none),
    "description": ("description", _or_none),
    "authors": ("authors", _authors),
    "keywords": ("keywords", _keywords),
    "manifest": ("manifest", _or_none),
    "icons": ("icons", _icons),
    "verification": ("verification", _verification),
    "formatDetection": ("format_detection", _format_detection),
    "facebook": ("facebook", _facebook),
}


def _merge_one(resolved: Resolved, file: str, metadata: Mapping[str, Any], pathname: str,
               history: dict[str, list[tuple[str, str | None]]]) -> Resolved:
    """One segment's metadata over what the segments above resolved: later keys win whole."""
    changes: dict[str, Any] = {}
    base = metadata.get("metadataBase", resolved.metadata_base)
    here = _directory(file)
    basic = dict(resolved.basic)
    for key, value in metadata.items():
        if key == "title":
            title = resolve_title(value, _template_for(history["title"], file))
            changes["title"] = title
            history["title"].append((here, title.template))
        elif key in _PLAIN:
            field, convert = _PLAIN[key]
            changes[field] = convert(value)
        elif key in dict(_BASIC):
            name = dict(_BASIC)[key]
            basic.pop(name, None)
            if value:
                basic[name] = str(value)
        elif key == "robots":
            changes["robots"] = _robots(value)
            google = value.get("googleBot") if isinstance(value, Mapping) else None
            changes["googlebot"] = _robots(google)
        elif key in ("archives", "assets", "bookmarks"):
            rel = key
            kept = tuple(link for link in resolved.links if link[0] != rel)
            changes["links"] = kept + tuple((rel, str(u)) for u in _as_list(value))
            resolved = replace(resolved, links=changes["links"])
        elif key == "alternates":
            changes.update(_alternates(value, base, pathname))
        elif key == "openGraph":
            og = None
            if isinstance(value, Mapping):
                og = _open_graph(value, base, pathname,
                                 _template_for(history["openGraph"], file))
            changes["open_graph"] = og
            history["openGraph"].append((here, og.title.template if og and og.title else None))
        elif key == "twitter":
            tw = None
            if isinstance(value, Mapping):
                tw = _twitter(value, base, _template_for(history["twitter"], file))
            changes["twitter"] = tw
            history["twitter"].append((here, tw.title.template if tw and tw.title else None))
        elif key == "other":
            changes["other"] = _other(resolved.other, value)
        # themeColor, colorScheme, viewport and the keys panes does not write: ignored
    changes["basic"] = tuple(basic.items())
    return replace(resolved, **changes)


def _post_process(resolved: Resolved) -> Resolved:
    """After every segment: twitter falls back to Open Graph, both to the page's title and
    description (Next.js's postProcessMetadata)."""
    og, tw = resolved.open_graph, resolved.twitter
    title = resolved.title if resolved.title and resolved.title.absolute else None
    if og is not None:
        og_title = og.title if og.title and og.title.absolute else title
        if tw is None:
            images = og.images
            tw = Twitter(card="summary_large_image" if images else "summary",
                         title=og_title, description=og.description or resolved.description,
                         images=tuple(Media(m.url, tuple(p for p in m.properties
                                                         if p[0] == "alt"))
                                      for m in images))
        else:
            tw = replace(
                tw,
                title=tw.title if tw.title and tw.title.absolute else og_title,
                description=tw.description or og.description or resolved.description,
                images=tw.images if tw.has_images else tuple(
                    Media(m.url, tuple(p for p in m.properties if p[0] == "alt"))
                    for m in og.images))
        og = replace(og, title=og.title if og.title and og.title.absolute else title,
                     description=og.description or resolved.description)
    if tw is not None:
        tw = replace(tw, title=tw.title if tw.title and tw.title.absolute else title,
                     description=tw.description or resolved.description)
    return replace(resolved, open_graph=og, twitter=tw)


def merge(contributions: Iterable[Contribution], *, pathname: str = "/") -> Resolved:
    """Merge each segment's metadata, root first, the page last (see :func:`loader_order`).

    ``contributions`` are (file relative to the app directory, metadata dict or None). The file
    paths decide where title templates apply: only to files in folders *below* the layout that
    set the template. ``pathname`` resolves ``./`` in ``canonical`` and ``og:url``.
    """
    resolved = Resolved()
    history: dict[str, list[tuple[str, str | None]]] = {
        "title": [], "openGraph": [], "twitter": []}
    for file, metadata in contributions:
        if metadata:
            resolved = _merge_one(resolved, file, metadata, pathname, history)
    return _post_process(resolved)


def merge_viewport(viewports: Iterable[Mapping[str, Any] | None]) -> Viewport:
    """Viewports merge key by key, later wins, over Next.js's default."""
    content = dict(Viewport().content)
    theme: Pairs = ()
    scheme: str | None = None
    for viewport in viewports:
        for key, value in (viewport or {}).items():
            if key in VIEWPORT_CONTENT:
                content[key] = ("yes" if value else "no") if isinstance(value, bool) \
                    else _text(value)
            elif key == "themeColor":
                theme = tuple((c, "") if isinstance(c, str) else (str(c["color"]),
                                                                  str(c.get("media") or ""))
                              for c in _as_list(value))
            elif key == "colorScheme":
                scheme = value or None
    ordered = tuple((k, content[k]) for k in VIEWPORT_CONTENT if k in content)
    return Viewport(ordered, theme, scheme)
