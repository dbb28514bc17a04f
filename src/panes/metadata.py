"""Next.js's Metadata API for panes: check what a ``layout.py``/``page.py`` declares, merge it
along the route, and write the ``<head>`` tags (as HTML for a hard load, as a small JSON value
for a soft navigation).

Pure: no I/O, no imports of user code. The rendering layer decides which files contribute
(:func:`loader_order` puts them in Next.js's order) and calls :func:`evaluate` or :func:`merge`.
Keys are spelled as in Next.js (``openGraph``, ``alternates.canonical``); docs/metadata.md lists
every field, the merge rules and what is left out.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import inspect
import json
import posixpath
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlsplit

from markupsafe import escape

from .errors import PanesError, Problem

__all__ = [
    "Title", "Media", "OpenGraph", "Twitter", "Viewport", "Resolved", "Tag", "MetadataError",
    "validate", "validate_viewport", "merge", "merge_viewport", "evaluate", "loader_order",
    "head_entries", "head_tags", "head_json", "MANAGED_ATTRIBUTE", "value_of", "checked", "resolve",
    "head_digest",
]

#: The attribute that marks the tags panes manages in ``<head>``; its value is the tag's key.
MANAGED_ATTRIBUTE = "data-panes-head"

Contribution = tuple[str, Mapping[str, Any] | None]

# --------------------------------------------------------------------------------------------
# Validation: a small schema language. A check yields (where, what was expected) for each fault.
# --------------------------------------------------------------------------------------------

Check = Callable[[Any, str], Iterator[tuple[str, str]]]


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} ({text if len(text) <= 40 else text[:37] + '...'})"


def _of(types: tuple[type, ...], expected: str) -> Check:
    def check(value: Any, where: str) -> Iterator[tuple[str, str]]:
        if value is not None and (not isinstance(value, types) or isinstance(value, bool)
                                  and bool not in types):
            yield where, f"is {_describe(value)}; expected {expected}"
    return check


STR = _of((str,), "a str")
BOOL = _of((bool,), "True or False")
NUM = _of((int, float), "a number")
STR_OR_NUM = _of((str, int, float), "a str or a number")
STR_OR_BOOL_OR_NUM = _of((str, bool, int, float), "a str, a number or a bool")


def _url(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if not isinstance(value, str):
        yield where, f"is {_describe(value)}; expected a URL (a str)"


def _one_or_list(item: Check, expected: str) -> Check:
    def check(value: Any, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, list | tuple):
            for i, v in enumerate(value):
                yield from item(v, f"{where}[{i}]")
        else:
            faults = list(item(value, where))
            if faults and len(faults) == 1 and faults[0][0] == where:
                yield where, f"is {_describe(value)}; expected {expected}"
            else:
                yield from faults
    return check


def _dict(spec: Mapping[str, Check], *, required: Sequence[str] = (),
          warn: Mapping[str, str] | None = None, expected: str = "a dict") -> Check:
    """A dict with known keys; an unknown key is a fault with a did-you-mean."""
    def check(value: Any, where: str) -> Iterator[tuple[str, str]]:
        if value is None:
            return
        if not isinstance(value, Mapping):
            yield where, f"is {_describe(value)}; expected {expected}"
            return
        for key, v in value.items():
            at = f'{where}["{key}"]'
            if warn and key in warn:
                continue  # reported as a warning by the caller
            if key not in spec:
                yield at, "is not a key panes knows" + _did_you_mean(str(key), spec)
            else:
                yield from spec[key](v, at)
        for key in required:
            if value.get(key) is None:
                yield where, f'has no "{key}"'
    return check


def _mapping(values: Check) -> Check:
    """A dict of str keys to values (``alternates.languages``, ``other``)."""
    def check(value: Any, where: str) -> Iterator[tuple[str, str]]:
        if value is None:
            return
        if not isinstance(value, Mapping):
            yield where, f"is {_describe(value)}; expected a dict"
            return
        for key, v in value.items():
            if not isinstance(key, str):
                yield where, f"has the key {key!r}; expected str keys"
            yield from values(v, f'{where}["{key}"]')
    return check


def _any_of(*checks: Check, expected: str) -> Check:
    def check(value: Any, where: str) -> Iterator[tuple[str, str]]:
        if value is None:
            return
        results = [list(c(value, where)) for c in checks]
        if any(not r for r in results):
            return
        # the check that accepted the type said the most (a dict with a bad or missing key)
        typed = [r for r in results if not all(w == where and m.startswith("is ")
                                                for w, m in r)]
        if typed:
            yield from max(typed, key=lambda r: max(len(w) for w, _ in r))
        else:
            yield where, f"is {_describe(value)}; expected {expected}"
    return check


def _did_you_mean(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in known}
        if key.lower() in lowered:
            close = [lowered[key.lower()]]
        elif key.replace("_", "").lower() in {k.lower() for k in known}:
            close = [k for k in known if k.lower() == key.replace("_", "").lower()]
    return f' (did you mean "{close[0]}"?)' if close else ""


def _title_dict(value: Any, where: str) -> Iterator[tuple[str, str]]:
    yield from _dict({"template": STR, "default": STR, "absolute": STR},
                     expected='a str or a dict with "template", "default" or "absolute"')(
        value, where)
    if isinstance(value, Mapping) and "default" not in value and "absolute" not in value \
            and "template" not in value:
        yield where, 'has none of "template", "default" or "absolute"'


TITLE = _any_of(STR, _title_dict,
                expected='a str or a dict with "template", "default" or "absolute"')
STRS = _one_or_list(STR, "a str or a list of str")
AUTHOR = _dict({"name": STR, "url": _url}, expected='a dict with "name" and/or "url"')
ROBOTS_KEYS = ("noarchive", "nosnippet", "noimageindex", "nocache", "notranslate",
               "indexifembedded", "nositelinkssearchbox", "unavailable_after",
               "max-video-preview", "max-image-preview", "max-snippet")
_ROBOTS_INFO: dict[str, Check] = {"index": BOOL, "follow": BOOL,
                                  **{k: STR_OR_BOOL_OR_NUM for k in ROBOTS_KEYS}}
ROBOTS = _any_of(STR, _dict({**_ROBOTS_INFO, "googleBot": _any_of(
    STR, _dict(_ROBOTS_INFO), expected="a str or a dict")}),
    expected='a str ("noindex, nofollow") or a dict ({"index": False})')
LINK = _any_of(_url, _dict({"url": _url, "title": STR}, required=("url",)),
               expected='a URL or a dict with "url" (and "title")')
LINKS = _one_or_list(LINK, 'a URL, a dict with "url", or a list of them')
ALTERNATES = _dict({"canonical": LINK, "languages": _mapping(LINKS), "media": _mapping(LINKS),
                    "types": _mapping(LINKS)})
IMAGE = _any_of(_url, _dict({"url": _url, "secureUrl": _url, "alt": STR, "type": STR,
                             "width": STR_OR_NUM, "height": STR_OR_NUM}, required=("url",)),
                expected='a URL or a dict with "url"')
IMAGES = _one_or_list(IMAGE, 'a URL, a dict with "url", or a list of them')
VIDEO = _any_of(_url, _dict({"url": _url, "secureUrl": _url, "type": STR,
                             "width": STR_OR_NUM, "height": STR_OR_NUM}, required=("url",)),
                expected='a URL or a dict with "url"')
AUDIO = _any_of(_url, _dict({"url": _url, "secureUrl": _url, "type": STR}, required=("url",)),
                expected='a URL or a dict with "url"')

OG_TYPES = ("website", "article", "book", "profile", "music.song", "music.album",
            "music.playlist", "music.radio_station", "video.movie", "video.episode",
            "video.tv_show", "video.other")


def _og_type(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if value is not None and value not in OG_TYPES:
        yield where, f"is {_describe(value)}; expected one of {', '.join(OG_TYPES)}"


#: Open Graph keys and where each goes: basic ones, then per og:type (article, book, profile).
OG_BASIC: dict[str, Check] = {
    "title": TITLE, "description": STR, "url": _url, "siteName": STR, "locale": STR,
    "type": _og_type, "determiner": STR, "countryName": STR, "ttl": NUM, "images": IMAGES,
    "videos": _one_or_list(VIDEO, "a video"), "audio": _one_or_list(AUDIO, "an audio"),
    "emails": STRS, "phoneNumbers": STRS, "faxNumbers": STRS, "alternateLocale": STRS,
}
OG_TYPED: dict[str, dict[str, tuple[str, bool]]] = {  # key -> (property, several?)
    "article": {"publishedTime": ("article:published_time", False),
                "modifiedTime": ("article:modified_time", False),
                "expirationTime": ("article:expiration_time", False),
                "authors": ("article:author", True), "section": ("article:section", False),
                "tags": ("article:tag", True)},
    "book": {"isbn": ("book:isbn", False), "releaseDate": ("book:release_date", False),
             "authors": ("book:author", True), "tags": ("book:tag", True)},
    "profile": {"firstName": ("profile:first_name", False),
                "lastName": ("profile:last_name", False),
                "username": ("profile:username", False), "gender": ("profile:gender", False)},
}
_OG_TYPED_KEYS = {k: STRS for fields in OG_TYPED.values() for k in fields}
OPEN_GRAPH = _dict({**OG_BASIC, **_OG_TYPED_KEYS})
TWITTER = _dict({"card": _of((str,), "a str"), "site": STR, "siteId": STR, "creator": STR,
                 "creatorId": STR, "title": TITLE, "description": STR, "images": IMAGES},
                warn={"players": "", "app": ""})
ICON = _any_of(_url, _dict({"url": _url, "rel": STR, "type": STR, "sizes": STR, "media": STR,
                            "color": STR, "fetchPriority": STR}, required=("url",)),
               expected='a URL or a dict with "url"')
ICON_LIST = _one_or_list(ICON, 'a URL, a dict with "url", or a list of them')
ICONS = _any_of(_url, _one_or_list(ICON, "icons"), _dict(
    {"icon": ICON_LIST, "shortcut": ICON_LIST, "apple": ICON_LIST, "other": ICON_LIST}),
    expected='a URL, a list of icons, or a dict with "icon", "shortcut", "apple", "other"')
VERIFICATION = _dict({"google": STRS, "yahoo": STRS, "yandex": STRS, "me": STRS,
                      "other": _mapping(_one_or_list(STR_OR_NUM, "a str or a list"))})
FORMAT_DETECTION = _dict({k: BOOL for k in ("telephone", "date", "address", "email", "url")})
FACEBOOK = _dict({"appId": STR, "admins": STRS})


def _metadata_base(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if not isinstance(value, str):
        yield where, f"is {_describe(value)}; expected an absolute URL (a str)"
    elif not urlsplit(value).scheme or not urlsplit(value).netloc:
        yield where, f"is {value!r}; expected an absolute URL such as 'https://example.com'"


#: Every metadata key panes writes, with its check.
METADATA: dict[str, Check] = {
    "metadataBase": _metadata_base, "title": TITLE, "description": STR,
    "applicationName": STR, "authors": _one_or_list(AUTHOR, 'a dict with "name"/"url"'),
    "generator": STR, "keywords": STRS, "referrer": STR, "creator": STR, "publisher": STR,
    "robots": ROBOTS, "alternates": ALTERNATES, "openGraph": OPEN_GRAPH, "twitter": TWITTER,
    "icons": ICONS, "manifest": _url, "category": STR, "classification": STR, "abstract": STR,
    "archives": _one_or_list(_url, "a URL or a list"),
    "assets": _one_or_list(_url, "a URL or a list"),
    "bookmarks": _one_or_list(_url, "a URL or a list"), "verification": VERIFICATION,
    "formatDetection": FORMAT_DETECTION, "facebook": FACEBOOK,
    "other": _mapping(_one_or_list(STR_OR_NUM, "a str, a number or a list of them")),
}

#: Keys Next.js knows that panes accepts but does not write (a warning, then ignored).
NOT_WRITTEN = ("appleWebApp", "appLinks", "itunes", "pinterest", "pagination")
#: Keys Next.js moved from metadata to the viewport (a warning, then ignored, as in Next.js).
MOVED_TO_VIEWPORT = ("themeColor", "colorScheme", "viewport")

THEME_COLOR = _one_or_list(_any_of(STR, _dict({"color": STR, "media": STR},
                                              required=("color",)),
                                   expected='a color or a dict with "color" (and "media")'),
                           "a color, a dict or a list of them")
#: Viewport keys, in the order Next.js writes them into ``<meta name="viewport">``.
VIEWPORT_CONTENT = {"width": "width", "height": "height", "initialScale": "initial-scale",
                    "minimumScale": "minimum-scale", "maximumScale": "maximum-scale",
                    "userScalable": "user-scalable", "viewportFit": "viewport-fit",
                    "interactiveWidget": "interactive-widget"}
VIEWPORT: dict[str, Check] = {
    **{k: STR_OR_BOOL_OR_NUM for k in VIEWPORT_CONTENT},
    "themeColor": THEME_COLOR,
    "colorScheme": _of((str,), "a str such as 'light dark'"),
}


def validate(value: Any, file: str) -> list[Problem]:
    """What is wrong with ``metadata`` (a dict) as defined in ``file``; warnings included.

    Every message names the file and the key path, so that ``panes check`` and the first render
    report the same thing.
    """
    return _validate(value, file, METADATA, "metadata", NOT_WRITTEN, MOVED_TO_VIEWPORT)


def validate_viewport(value: Any, file: str) -> list[Problem]:
    """What is wrong with ``viewport`` (a dict) as defined in ``file``."""
    return _validate(value, file, VIEWPORT, "viewport", (), ())


def _validate(value: Any, file: str, spec: Mapping[str, Check], name: str,
              not_written: Sequence[str], moved: Sequence[str]) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [Problem(file, f"{name} is {_describe(value)}; expected a dict",
                        f"define `{name} = {{...}}` or a function `def {name}(...)` that "
                        "returns a dict")]
    problems: list[Problem] = []
    for key in value:
        if key in moved:
            problems.append(Problem(
                file, f'{name}["{key}"] belongs to the viewport, as in Next.js; it is ignored',
                f'move it to `viewport = {{"{key}": ...}}` in the same file', "warning"))
        elif key in not_written:
            problems.append(Problem(
                file, f'{name}["{key}"] is not written by panes; it is ignored',
                'write the tags with "other" or in the layout itself', "warning"))
    known = {**spec, **{k: (lambda v, w: iter(())) for k in (*moved, *not_written)}}
    for where, what in _dict(known)(value, ""):
        problems.append(Problem(file, f"{name}{where} {what}", _fix(what)))
    twitter = value.get("twitter")
    if isinstance(twitter, Mapping):
        for key in ("players", "app"):
            if key in twitter:
                problems.append(Problem(file, f'{name}["twitter"]["{key}"] is not written by '
                                        "panes; it is ignored", "remove it", "warning"))
    title = value.get("title")
    if isinstance(title, Mapping) and isinstance(title.get("template"), str):
        if "%s" not in title["template"]:
            problems.append(Problem(file, f'{name}["title"]["template"] has no "%s"',
                                    "put %s where the child segment's title goes", "warning"))
        if "default" not in title and "absolute" not in title:
            problems.append(Problem(file, f'{name}["title"] has a template but no default',
                                    'add "default": the title when no child sets one',
                                    "warning"))
    return problems


def _fix(what: str) -> str:
    if "did you mean" in what:
        return "rename the key to the one suggested (keys are spelled as in Next.js)"
    if "not a key panes knows" in what:
        return "remove it (docs/metadata.md lists every key; write other tags with \"other\")"
    if what.startswith("has none of"):
        return 'give "default" (or "absolute"), and "template" for the segments below'
    if what.startswith("has no"):
        return "add it"
    return "give a value of the expected type"


# --------------------------------------------------------------------------------------------
# Resolved metadata: frozen records, the result of merging.
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Merging
# --------------------------------------------------------------------------------------------

class MetadataError(PanesError):
    """Metadata that a function returned is wrong; ``problems`` holds one Problem each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


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


def _merge_one(resolved: Resolved, file: str, metadata: Mapping[str, Any], pathname: str,
               history: dict[str, list[tuple[str, str | None]]]) -> Resolved:
    """One segment's metadata over what the segments above resolved: later keys win whole."""
    changes: dict[str, Any] = {}
    base = metadata.get("metadataBase", resolved.metadata_base)
    here = _directory(file)
    basic = dict(resolved.basic)
    for key, value in metadata.items():
        if key == "metadataBase":
            changes["metadata_base"] = value or None
        elif key == "title":
            title = resolve_title(value, _template_for(history["title"], file))
            changes["title"] = title
            history["title"].append((here, title.template))
        elif key == "description":
            changes["description"] = value or None
        elif key in dict(_BASIC):
            name = dict(_BASIC)[key]
            basic.pop(name, None)
            if value:
                basic[name] = str(value)
        elif key == "authors":
            changes["authors"] = tuple((a.get("name"), a.get("url") or None)
                                       for a in _as_list(value) if isinstance(a, Mapping))
        elif key == "keywords":
            changes["keywords"] = tuple(str(k) for k in _as_list(value))
        elif key == "robots":
            changes["robots"] = _robots(value)
            google = value.get("googleBot") if isinstance(value, Mapping) else None
            changes["googlebot"] = _robots(google)
        elif key == "manifest":
            changes["manifest"] = value or None
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
        elif key == "icons":
            changes["icons"] = _icons(value)
        elif key == "verification":
            changes["verification"] = _verification(value)
        elif key == "formatDetection":
            changes["format_detection"] = ", ".join(
                f"{k}=no" for k in ("telephone", "date", "address", "email", "url")
                if isinstance(value, Mapping) and k in value) or None
        elif key == "facebook":
            fb = value if isinstance(value, Mapping) else {}
            changes["facebook"] = ((("fb:app_id", str(fb["appId"])),) if fb.get("appId")
                                   else ()) + tuple(("fb:admins", str(a))
                                                    for a in _as_list(fb.get("admins")))
        elif key == "other":
            merged = dict(_group(resolved.other))
            merged.update({k: [_text(v) for v in _as_list(val)]
                           for k, val in (value or {}).items()})
            changes["other"] = tuple((k, v) for k, vs in merged.items() for v in vs)
        # themeColor, colorScheme, viewport and the keys panes does not write: ignored
    changes["basic"] = tuple(basic.items())
    return replace(resolved, **changes)


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


# --------------------------------------------------------------------------------------------
# Evaluating metadata() functions
# --------------------------------------------------------------------------------------------

Source = Mapping[str, Any] | Callable[..., Any] | None


def _call(source: Callable[..., Any], available: Mapping[str, Any]) -> Any:
    kwargs = getattr(source, "kwargs", None)
    if callable(kwargs) and callable(getattr(source, "func", None)):  # a loader.UserFunction
        return source.func(**kwargs(available))  # type: ignore[attr-defined]
    try:
        params = inspect.signature(source).parameters.values()
    except (TypeError, ValueError):
        return source()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return source(**available)
    return source(**{p.name: available[p.name] for p in params if p.name in available})


async def _value(source: Source, available: Mapping[str, Any]) -> Any:
    if source is None or isinstance(source, Mapping):
        return source
    result = _call(source, available)
    if inspect.isawaitable(result):
        result = await result
    return result


async def evaluate(sources: Sequence[tuple[str, Source]], available: Mapping[str, Any], *,
                   pathname: str = "/",
                   warn: Callable[[Problem], None] | None = None) -> Resolved:
    """Run every ``metadata(...)`` at once (arguments by name, as pages get them), check what
    they return, and merge in the order given.

    A function that raises propagates its exception (the caller renders the error boundary, as
    Next.js does); a wrong value raises :class:`MetadataError` naming the file.
    """
    values = await asyncio.gather(*(_value(source, available) for _, source in sources))
    problems: list[Problem] = []
    for (file, _), value in zip(sources, values, strict=True):
        for problem in validate(value, file):
            if problem.severity == "error":
                problems.append(problem)
            elif warn is not None:
                warn(problem)
    if problems:
        raise MetadataError(problems)
    return merge([(file, value) for (file, _), value in zip(sources, values, strict=True)],
                 pathname=pathname)


async def value_of(file: str, source: Source, available: Mapping[str, Any], *,
                   name: Literal["metadata", "viewport"] = "metadata",
                   warn: Callable[[Problem], None] | None = None) -> Mapping[str, Any] | None:
    """One file's ``metadata`` (or ``viewport``), called if it is a function and checked: a
    wrong value raises :class:`MetadataError` naming the file; an exception propagates."""
    return checked(file, await _value(source, available), name=name, warn=warn)


def checked(file: str, value: Any, *, name: Literal["metadata", "viewport"] = "metadata",
            warn: Callable[[Problem], None] | None = None) -> Mapping[str, Any] | None:
    """A value a ``metadata()`` (or ``viewport()``) of ``file`` returned, once checked."""
    found = (validate if name == "metadata" else validate_viewport)(value, file)
    errors = [p for p in found if p.severity == "error"]
    if errors:
        raise MetadataError(errors)
    if warn is not None:
        for problem in found:
            warn(problem)
    return value if isinstance(value, Mapping) else None


def resolve(metadata: Iterable[Contribution], viewports: Iterable[Mapping[str, Any] | None],
            *, pathname: str = "/") -> Resolved:
    """The whole head: metadata merged in the order given, and the viewports over the default."""
    return replace(merge(metadata, pathname=pathname), viewport=merge_viewport(viewports))


def head_digest(head: Mapping[str, Any]) -> str:
    """A short name for a :func:`head_json` value: the state carries it, so that a soft
    navigation sends the head only when it changes."""
    text = json.dumps(head, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=5).hexdigest()


def loader_order(files: Iterable[str]) -> list[str]:
    """Put the contributing files in the order Next.js 15 walks its loader tree (a production
    build): in each folder the layout first, then the named slots' subtrees in name order, then
    the ``children`` subtree, so the page of ``children`` is merged last and wins."""
    def key(file: str) -> list[tuple[int, str]]:
        *dirs, name = file.replace("\\", "/").split("/")
        parts = [(0, d) if d.startswith("@") and d != "@children" else (1, d) for d in dirs
                 if d != "@children"]
        return parts + [(-1, "") if name.startswith("layout.") else (2, name)]
    return sorted(files, key=key)


# --------------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------------

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
    og = resolved.open_graph
    if og is not None:
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
    tw = resolved.twitter
    if tw is not None:
        raw += _meta("name", "twitter:card", tw.card)
        raw += [t for p, c in tw.basic for t in _meta("name", p, c)]
        raw += _meta("name", "twitter:title", tw.title.absolute if tw.title and tw.title.absolute
                     else None)
        raw += _meta("name", "twitter:description", tw.description)
        raw += _media_tags("twitter:image", "name", tw.images)
    raw += [("link", attrs) for attrs in resolved.icons]
    return _keyed(raw)


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


# Awaitable is re-exported for callers typing their own metadata() functions.
MetadataFunction = Callable[..., Mapping[str, Any] | Awaitable[Mapping[str, Any]]]
