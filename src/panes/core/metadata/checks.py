"""Checking a ``metadata`` or ``viewport`` dict: a small schema language in which a check
yields (where, what was expected) for each fault, the specs of every key Next.js spells, and
:func:`validate`/:func:`validate_viewport`, which turn the faults into Problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from panes.core.errors import Problem

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
