"""The ``cookies`` argument: the request's cookies, and the ``Set-Cookie`` headers of the answer.

One jar per request (kept in the ASGI scope, so middleware, an action and a route handler of
the same request share it); each function gets a view of it::

    cookies = cookies_for(request)                          # may set: action, route.py, middleware
    cookies = cookies_for(request, read_only="app/page.py") # a page: reading only

Reading (``get``, ``[]``, ``in``, iteration) sees what the request sent, updated by what this
request has set or deleted so far (as Next.js's ``cookies()`` does in a server action).
``set``/``delete`` are recorded and written to a response by :meth:`Cookies.apply`; a view made
with ``read_only`` raises :class:`CookieError` naming the file instead, because a page may be
streaming when it runs.

Defaults are the safe ones: ``HttpOnly``, ``SameSite=Lax``, ``Path=/``, and ``Secure`` when the
request came over https (``request.url.scheme``: behind a proxy, once its forwarded headers are
trusted, that is the scheme the browser used).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import _unquote  # the unquoting Starlette's own cookie parser uses
from typing import Literal

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import Scope

from panes.core.errors import PanesError
from panes.core.protocol import PRIVATE

__all__ = ["CookieError", "Cookies", "cookies_for", "parse_cookie_header"]

SameSite = Literal["lax", "strict", "none"]

#: Where the jar of a request is kept in its ASGI scope.
SCOPE_KEY = "panes.render.cookies"

#: A browser keeps a cookie (name and value) of at most 4096 bytes and drops larger ones silently.
MAX_COOKIE_BYTES = 4096

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class CookieError(PanesError):
    """A cookie cannot be set here (a page renders while its response may already be
    streaming), or the cookie itself is one a browser would refuse."""


def parse_cookie_header(header: str) -> dict[str, str]:
    """``a=1; b="two"`` → ``{"a": "1", "b": "two"}``. Never raises.

    Lenient as browsers are (pairs without a name or without ``=`` are skipped, quotes are
    removed); when a name repeats, the first one wins: browsers send the cookie with the most
    specific path first.
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, eq, value = chunk.partition("=")
        name = name.strip()
        if not eq or not name or name in cookies:
            continue
        value = value.strip()
        try:
            cookies[name] = _unquote(value)
        except Exception:  # noqa: BLE001 - a malformed quoted value is kept as it came
            cookies[name] = value
    return cookies


@dataclass(slots=True)
class _Pending:
    value: str | None  # None: deleted
    max_age: int | None
    expires: datetime | str | int | None
    path: str
    domain: str | None
    secure: bool
    httponly: bool
    samesite: SameSite | None


class _Jar:
    """What a request sent and what it has set since; shared by every view of one request."""

    __slots__ = ("https", "pending", "received")

    def __init__(self, header: str, https: bool) -> None:
        self.received = parse_cookie_header(header)
        self.https = https
        self.pending: dict[tuple[str, str, str | None], _Pending] = {}

    def current(self) -> dict[str, str]:
        values = dict(self.received)
        for (name, _path, _domain), p in self.pending.items():
            if p.value is None:
                values.pop(name, None)
            else:
                values[name] = p.value
        return values


class Cookies(Mapping[str, str]):
    """The ``cookies`` argument (a read-only mapping, with ``set`` and ``delete``)."""

    __slots__ = ("_jar", "_read_only")

    def __init__(self, jar: _Jar, read_only: str | None = None) -> None:
        self._jar = jar
        self._read_only = read_only

    # -- reading ----------------------------------------------------------------------------

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self._jar.current().get(name, default)

    def __getitem__(self, name: str) -> str:
        return self._jar.current()[name]

    def __contains__(self, name: object) -> bool:
        return name in self._jar.current()

    def __iter__(self) -> Iterator[str]:
        return iter(self._jar.current())

    def __len__(self) -> int:
        return len(self._jar.current())

    def __repr__(self) -> str:
        names = ", ".join(self._jar.current())
        return f"<Cookies {names}{' (read-only)' if self._read_only is not None else ''}>"

    @property
    def read_only(self) -> bool:
        return self._read_only is not None

    # -- writing ----------------------------------------------------------------------------

    def set(self, name: str, value: str, *, max_age: int | timedelta | None = None,
            expires: datetime | str | int | None = None, path: str = "/",
            domain: str | None = None, secure: bool | None = None, httponly: bool = True,
            samesite: SameSite | None = "lax") -> None:
        """Send ``Set-Cookie: name=value`` with the response.

        ``secure=None`` means: when the request came over https. ``samesite="none"`` is only
        accepted by browsers with ``Secure``, so it implies ``secure=True``; so do the
        ``__Secure-`` and ``__Host-`` name prefixes.
        """
        self._writable("set")
        if not isinstance(value, str):
            raise TypeError(f"the value of cookie {name!r} must be a str, not "
                            f"{type(value).__name__} (convert it, or serialise it as JSON)")
        self._check_name(name)
        if not value.isascii():  # (a header is Latin-1: anything else fails the response)
            try:
                value.encode("latin-1")
            except UnicodeEncodeError as exc:
                raise CookieError(
                    f"cookie {name!r}: its value holds {value[exc.start]!r}, which a cookie "
                    "cannot carry (Latin-1 only): encode the value first "
                    "(urllib.parse.quote(value), or base64)") from None
        if isinstance(expires, str) and not expires.isprintable():
            raise CookieError(f"cookie {name!r}: expires={expires!r} holds control characters")
        if samesite is not None:
            samesite = samesite.lower()  # type: ignore[assignment]
            if samesite not in ("lax", "strict", "none"):
                raise CookieError(f"samesite={samesite!r}: use 'lax', 'strict', 'none' or None")
        if secure is None:
            secure = (self._jar.https or samesite == "none"
                      or name.startswith(("__Secure-", "__Host-")))
        if name.startswith("__Host-") and (domain is not None or path != "/"):
            raise CookieError(f"cookie {name!r}: a __Host- cookie has path='/' and no domain, "
                              "or browsers refuse it")
        if not path.startswith("/") or any(c in path for c in ";\r\n\x00"):
            raise CookieError(f"cookie {name!r}: path {path!r} must start with '/' and hold "
                              "no ';' or control characters")
        if domain is not None and not re.fullmatch(r"\.?[A-Za-z0-9.-]+", domain):
            raise CookieError(f"cookie {name!r}: {domain!r} is not a domain name")
        if len(name.encode()) + len(value.encode()) > MAX_COOKIE_BYTES:
            raise CookieError(f"cookie {name!r} is larger than {MAX_COOKIE_BYTES} bytes: "
                              "browsers drop it; keep the data on the server and put its id "
                              "in the cookie")
        if isinstance(max_age, timedelta):
            max_age = int(max_age.total_seconds())
        self._jar.pending[(name, path, domain)] = _Pending(
            value, max_age, expires, path, domain, secure, httponly, samesite)

    def delete(self, name: str, *, path: str = "/", domain: str | None = None) -> None:
        """Tell the browser to forget the cookie (set with the same ``path`` and ``domain``)."""
        self._writable("delete")
        self._check_name(name)
        secure = self._jar.https or name.startswith(("__Secure-", "__Host-"))
        self._jar.pending[(name, path, domain)] = _Pending(
            None, 0, 0, path, domain, secure, True, "lax")

    def apply(self, response: Response) -> Response:
        """Append a ``Set-Cookie`` header to ``response`` for each cookie set or deleted since
        the last ``apply`` (so applying in the handler and again in middleware writes each
        once). A response that sets or deletes one is ``Cache-Control: private, no-store``
        unless it says otherwise. Returns the response."""
        jar = self._jar
        pending, jar.pending = jar.pending, {}
        if pending and "cache-control" not in response.headers:
            response.headers["cache-control"] = PRIVATE  # no shared cache hands it on
        for (name, _path, _domain), p in pending.items():
            if p.value is not None:  # later reads keep seeing what was set
                jar.received[name] = p.value
            else:
                jar.received.pop(name, None)
            response.set_cookie(name, "" if p.value is None else p.value, max_age=p.max_age,
                                expires=p.expires, path=p.path, domain=p.domain,
                                secure=p.secure, httponly=p.httponly, samesite=p.samesite)
        return response

    @property
    def pending(self) -> bool:
        """Whether cookies were set or deleted that no response carries yet."""
        return bool(self._jar.pending)

    def _writable(self, what: str) -> None:
        if self._read_only is None:
            return
        where = f" in {self._read_only}" if self._read_only else " here"
        raise CookieError(
            f"cookies.{what}() cannot be called{where}: cookies can only be set in an "
            "action(), a route.py handler or app/middleware.py, because a page renders while "
            "its response may already be streaming. Set it in the page's action() or in "
            "middleware")

    @staticmethod
    def _check_name(name: str) -> None:
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise CookieError(f"{name!r} is not a valid cookie name (letters, digits and "
                              "!#$%&'*+-.^_`|~ only)")


def cookies_for(conn: HTTPConnection, read_only: str | None = None) -> Cookies:
    """The ``cookies`` argument for one function of this request.

    ``read_only``: the file that gets it when it may not set cookies (``"app/page.py"``; an
    empty string when there is no file to name).
    """
    jar = conn.scope.get(SCOPE_KEY)
    if not isinstance(jar, _Jar):
        header = "; ".join(conn.headers.getlist("cookie"))  # HTTP/2 may split it in several
        jar = _Jar(header, conn.scope.get("scheme") in ("https", "wss"))
        conn.scope[SCOPE_KEY] = jar
    return Cookies(jar, read_only)


def anonymous(scope: Scope) -> bool:
    """Whether the request sent no cookie and no ``Authorization``, and nothing set a cookie:
    looked up in the raw headers, before any are parsed."""
    return SCOPE_KEY not in scope and not any(
        name in (b"cookie", b"authorization") for name, _ in scope["headers"])


def cookie_values(conn: HTTPConnection, sent: bool = False) -> dict[str, str]:
    """The request's cookies as the browser will hold them after this response (what its
    functions set included), or as it ``sent`` them."""
    jar = conn.scope.get(SCOPE_KEY)
    if isinstance(jar, _Jar) and not sent:
        return jar.current()
    header = "; ".join(conn.headers.getlist("cookie"))
    return parse_cookie_header(header) if header else {}
