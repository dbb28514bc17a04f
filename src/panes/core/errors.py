"""Everything panes raises, in three families kept apart (as Werkzeug does)::

    PanesError
    ├── AppDirError        configuration: the app directory is wrong (reported at start-up)
    ├── ServerError        what error.py gets under ``panes start`` instead of the exception
    └── HTTPOutcome        raised by user code or the router, turned into a response
        ├── NotFound       panes.not_found(): the nearest not_found.py, status 404
        │   └── MissingSlot  a placed slot has no page and no default: the root 404
        ├── Redirect       panes.redirect(url): status 307 before the first byte
        └── BadRequest     a malformed URL or header: status 400

A :class:`Problem` is one line of ``panes check``: the file, what is wrong, the fix.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn
from urllib.parse import quote, urlsplit

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str
    fix: str
    severity: Severity = "error"
    #: the exception behind it (an import that raised), for the ``panes dev`` overlay
    cause: BaseException | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.message}. Fix: {self.fix}."


def ref(path: str) -> str:
    """Mark a path (relative to the app directory) in a message; ``panes check`` shows it as
    the user would type it (``app/@team/page.py``)."""
    return f"\x1f{path}\x1f"


class PanesError(Exception):
    """Base of every panes exception."""


class AppDirError(PanesError):
    """The app directory has errors; ``problems`` holds one :class:`Problem` each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"the app directory has {len(self.problems)} error(s):\n{lines}")


class ServerError(PanesError):
    """Stands in for an exception shown to users in production, as Next.js does: the message
    is generic, and ``digest`` names the log line that holds the real one with its traceback.
    Under ``panes dev``, error.py gets the exception itself."""

    def __init__(self, digest: str) -> None:
        super().__init__(f"An error occurred while rendering this part of the page "
                         f"(digest {digest}).")
        self.digest = digest


class HTTPOutcome(PanesError):
    """An outcome that ends rendering of a segment with an HTTP meaning."""

    status = 500


class NotFound(HTTPOutcome):
    status = 404


class MissingSlot(NotFound):
    """A slot that the layout placed has neither a match nor a ``default.py``."""

    def __init__(self, slot: str) -> None:
        super().__init__(f"slot {slot!r} has no page for this URL and no default.py")
        self.slot = slot


class Redirect(HTTPOutcome):
    status = 307

    def __init__(self, url: str, status: int = 307) -> None:
        super().__init__(url)
        self.url = url
        self.status = status


class BadRequest(HTTPOutcome):
    status = 400


def not_found() -> NoReturn:
    """End rendering here and show the nearest ``not_found.py`` (status 404)."""
    raise NotFound()


def redirect(url: str, permanent: bool = False) -> NoReturn:
    """End rendering and send the browser to ``url`` (307, or 308 when ``permanent``).

    ``url`` is a path on this site (``/login?next=/inbox``) or an ``http(s)`` URL: anything else
    (``javascript:``, ``data:`` …) would run or show what the site never meant to, so it is an
    error naming the call. So is a scheme-relative URL (``//evil.example``, and
    ``/\\evil.example``, which browsers read the same way): it looks like a path but sends the
    browser to another site (the classic open redirect past a ``startswith("/")`` check); write
    ``https://other.example/`` when another site is meant. Other control characters and
    backslashes are percent-encoded (a target taken from the query may hold them: a CR LF would
    split the ``Location`` header), so they stay in a path on this site.
    """
    if not safe_redirect(url):
        caller = sys._getframe(1)
        why = "a redirect goes to a path on this site or to an http(s) URL"
        if isinstance(url, str) and _scheme_relative(url):
            why = ("it starts like a path but names another site (browsers read // and /\\ "
                   "as the start of a host): write https://host/… if another site is meant")
        raise ValueError(
            f"redirect({url!r}) at {caller.f_code.co_filename}:{caller.f_lineno}: {why}; "
            "check user-supplied targets against an allow-list")
    raise Redirect(_RAW.sub(lambda c: f"%{ord(c.group()):02X}", url), 308 if permanent else 307)


#: What a URL never holds raw: control characters, and the backslash browsers read as ``/``.
_RAW = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_redirect(url: str) -> bool:
    """A relative URL on this site, or an absolute one whose scheme is http or https, as a
    browser reads it (without tabs and newlines anywhere, and without control characters or
    spaces around); never a scheme-relative one (``//host``, ``/\\host``: another site that
    looks like a path)."""
    if not isinstance(url, str):
        return False
    read = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(33))))
    if _scheme_relative(read):
        return False
    try:
        scheme = urlsplit(read).scheme.lower()
    except ValueError:  # (an http://[ that is no IPv6 address)
        return False
    return scheme in ("", "http", "https") and not read.lower().startswith(
        ("javascript:", "data:", "vbscript:"))


def _scheme_relative(url: str) -> bool:
    """``//host/…`` and the spellings browsers read the same way (``/\\host``, ``\\\\host``,
    with tabs or newlines inside, which browsers drop)."""
    squeezed = url.lstrip().replace("\t", "").replace("\n", "").replace("\r", "")
    return squeezed.replace("\\", "/").startswith("//")


class UnrenderableValue(PanesError, TypeError):
    """A page, layout or other function returned something that is not HTML, text or nothing.

    ``value`` is what it returned, ``what`` names it (``"a dict"``), ``fix`` says what to return
    instead; the caller knows the file and the function: :meth:`describe` puts them together.
    """

    def __init__(self, value: object, what: str, fix: str) -> None:
        super().__init__(f"returned {what}; {fix}")
        self.value = value
        self.what = what
        self.fix = fix

    def describe(self, file: str, function: str) -> str:
        """``app/page.py: page() returned a dict; …``."""
        return f"{file}: {function}() {self}"


def within_mount(url: str, scope: Mapping[str, Any]) -> str:
    """``redirect("/inbox")`` in an app mounted at ``/mail`` goes to ``/mail/inbox``: a path
    the app names is below its mount; a full URL stays as it is."""
    root = scope.get("root_path", "")
    if root and url.startswith("/") and not url.startswith("//"):
        return quote(root) + url
    return url
