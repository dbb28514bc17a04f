from starlette.responses import RedirectResponse

from panes import href


async def post(cookies, state):
    await state["store"].logout(cookies.get("session"))
    cookies.delete("session")
    return RedirectResponse(href("/login"), 303)
