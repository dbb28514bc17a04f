"""Where a request comes from: a browser says it (``Sec-Fetch-Site``, ``Origin``), and what
changes something on a user's behalf (a form posted to an action, an unsafe method of a route
handler that the browser sent with the user's cookies) is refused from another site: the
cross-site request forgery rule of Django's ``CsrfViewMiddleware`` and of Next.js's actions."""

from __future__ import annotations

from starlette.requests import Request

#: The methods that may change something: refused cross-site when they carry cookies.
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def same_origin(request: Request) -> bool:
    """Browsers say where a request comes from; refuse one sent from another site. A client
    that says nothing (not a browser, or one too old to) is not refused: it sends no cookie of
    a user's that it did not hold itself."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return False
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def forged(request: Request) -> bool:
    """Whether ``request`` changes something with a user's cookies, sent from another site."""
    return request.method in UNSAFE and "cookie" in request.headers \
        and not same_origin(request)
