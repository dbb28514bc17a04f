"""Runs before every page, soft navigation, action and route handler (not /mail.css)."""

from urllib.parse import quote

from starlette.responses import JSONResponse, RedirectResponse

from panes import rewrite

OPEN = ("/login",)  # what a logged-out user may see


async def middleware(request, call_next, cookies, state):
    path = request.url.path
    if not path.startswith(OPEN) and state["store"].user(cookies.get("session")) is None:
        if path.startswith("/api/"):
            return JSONResponse({"error": "log in first"}, 401)
        target = "/login" if path == "/" else f"/login?next={quote(path)}"
        return RedirectResponse(target, 307)
    if path == "/":
        return await call_next(rewrite(request, "/inbox"))  # the address bar keeps /
    response = await call_next(request)
    response.headers["x-frame-options"] = "DENY"
    return response
