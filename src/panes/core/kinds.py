"""The one table of special files: what each kind is called, what its function may declare,
whether it bounds a region, and the module constants it reads.

Scanning, loading, checking, rendering and navigation all read this table; adding a kind of
file is a row here plus the code that gives the kind its behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

CHILDREN = "children"

#: What every function that runs for a URL may declare: ``cookies`` reads the request's cookies
#: (and sets them where the response has not started), ``state`` is what ``lifespan.py`` yielded,
#: ``pathname`` the path inside the app (below the mount or root path: see :mod:`panes.http.mount`).
_COMMON = frozenset({"params", "search_params", "request", "cookies", "state", "pathname"})
#: What the functions that render a page may declare beside: ``action_result`` is what the
#: page's ``action()`` returned on this request (``None`` when no action ran).
_RENDERED = _COMMON | {"action_result"}

#: What differs from one request to the next beyond the URL: a function that declares one of
#: these renders per request, never from the cache (``revalidate`` in its file is an error that
#: ``panes check`` names), so that no user sees what was rendered for another: their page, their
#: cookies, the result of their action.
PER_REQUEST = frozenset({"request", "cookies", "action_result"})

#: The method functions a ``route.py`` may define, in the order an ``Allow`` header lists them.
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")


@dataclass(frozen=True, slots=True)
class FileKind:
    """One kind of special file (``page.py`` …) and the function it defines.

    ``boundary``: the file wraps its folder's slots on its own (a region of the page begins
    there); a folder with no boundary file shares its parent's region. ``slots``: the function
    also gets one keyword per slot at its level. ``constants``: module-level settings it may
    define, with their defaults. ``extra``: further functions the file may define, each a kind.
    ``function``: the file defines a function named like it (``route.py`` defines only its
    ``extra`` methods). ``root_only``: one per app, at the root of the app directory
    (``middleware.py``, ``lifespan.py``: they run around every request, not for a URL).
    """

    name: str
    arguments: frozenset[str]
    boundary: bool = False
    slots: bool = False
    constants: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    extra: tuple[str, ...] = ()
    function: bool = True
    root_only: bool = False


class Revalidate(float):
    """``revalidate``: seconds a region stays cached (``float("inf")``: until invalidated; 0:
    not cached). A type of its own so that the loader refuses what would surprise (a string, a
    negative number, NaN) with a ``panes check`` error instead of caching wrongly."""

    def __new__(cls, value: object = 0.0) -> Revalidate:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or value != value or value < 0:
            raise TypeError(f"revalidate = {value!r} is not a number of seconds (0 or more, "
                            "or float('inf'))")
        return super().__new__(cls, value)


class Tags(tuple[str, ...]):
    """``TAGS``: the names ``panes.revalidate_tag`` drops a cached region by. A bare string
    is refused: ``TAGS = "messages"`` would otherwise be eight one-letter tags."""

    def __new__(cls, value: object = ()) -> Tags:
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset) \
                or not all(isinstance(tag, str) for tag in value):
            raise TypeError(f"TAGS = {value!r} is not a list of strings")
        return super().__new__(cls, value)


class Switch(int):
    """A module constant that is on or off (``CROSS_ORIGIN``): ``True`` or ``False`` and nothing
    else, so that a security setting spelled ``"no"`` is a ``panes check`` error, not on."""

    def __new__(cls, value: object = False) -> Switch:
        if not isinstance(value, bool | Switch):
            raise TypeError(f"it is True or False, not {type(value).__name__}")
        return super().__new__(cls, value)


#: What a file that renders a region may set to cache it (:mod:`panes.render.caching`).
_CACHED = {"revalidate": Revalidate(0), "TAGS": Tags()}


def _kinds(*kinds: FileKind) -> Mapping[str, FileKind]:
    return MappingProxyType({kind.name: kind for kind in kinds})


#: The files of a route folder, by stem.
FILE_KINDS: Mapping[str, FileKind] = _kinds(
    # PREFETCH = False: never rendered for a prefetch (it has effects, or costs too much)
    FileKind("page", _RENDERED, extra=("action",),
             constants=MappingProxyType({"PREFETCH": True, **_CACHED})),
    FileKind("layout", frozenset({CHILDREN, "params", "request", "cookies", "state",
                                  "action_result", "pathname"}),
             boundary=True, slots=True, constants=MappingProxyType(_CACHED)),
    # Inside the layout of its folder, around the slots it declares; new DOM on every
    # navigation below it (resolve.py re-renders its region).
    FileKind("template", frozenset({CHILDREN, "params", "request", "cookies", "state",
                                    "action_result", "pathname"}), boundary=True, slots=True),
    FileKind("default", _RENDERED,
             constants=MappingProxyType({"STICKY": True, "RESTORE": False, **_CACHED})),
    FileKind("loading", _RENDERED, boundary=True),
    FileKind("error", _RENDERED | {"error"}, boundary=True),
    FileKind("not_found", _RENDERED, boundary=True),
    # CROSS_ORIGIN = True: its post, put, patch and delete run for requests from other sites
    # that carry cookies (an API for other origins, behind CORS or tokens); refused by default
    FileKind("route", _COMMON, extra=METHODS, function=False,
             constants=MappingProxyType({"CROSS_ORIGIN": Switch(False)})),
    FileKind("middleware", frozenset({"request", "call_next", "cookies", "state", "pathname"}),
             root_only=True),
    FileKind("lifespan", frozenset({"app"}), root_only=True),
)

#: Functions a special file may define beside its own (``action`` in ``page.py``).
EXTRA_KINDS: Mapping[str, FileKind] = _kinds(
    FileKind("action", _COMMON | {"form"}),
    *(FileKind(method, _COMMON) for method in METHODS),
)

#: The files whose module may also define ``metadata`` and ``viewport`` (a dict or a function
#: with the arguments of the file's own function, less the slots), as in Next.js.
METADATA_KINDS = ("layout", "page")

BOUNDARIES = tuple(name for name, kind in FILE_KINDS.items() if kind.boundary)
#: The files that make a folder serve a URL.
ROUTABLE = ("page", "route")


def kind_of(name: str) -> FileKind:
    """The kind of a file or of an extra function, by name."""
    return FILE_KINDS.get(name) or EXTRA_KINDS[name]
