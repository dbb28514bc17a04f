"""Runs before every page, soft navigation, action and route handler (not /mail.css).

``pathname`` is the path inside the app: ``/login`` whether the app is served at ``/``, mounted
at ``/mail`` or behind ``--root-path``, so the check below holds in all three; ``href()`` gives
the URL to send the browser to (with the mount prefix)."""

from urllib.parse import quote

from starlette.responses import JSONResponse, RedirectResponse

from panes import href, rewrite

OPEN = ("/login",)  # what a logged-out user may see


def is_open(pathname):
    return any(pathname == p or pathname.startswith(p + "/") for p in OPEN)


async def middleware(request, call_next, cookies, state, pathname):
    if not is_open(pathname) and state["store"].user(cookies.get("session")) is None:
        if pathname.startswith("/api/"):
            return JSONResponse({"error": "log in first"}, 401)
        target = "/login" if pathname == "/" else f"/login?next={quote(pathname)}"
        return RedirectResponse(href(target), 307)
    if pathname == "/":
        return await call_next(rewrite(request, "/inbox"))  # the address bar keeps /
    response = await call_next(request)
    response.headers["x-frame-options"] = "DENY"
    return response
