from starlette.responses import RedirectResponse


async def post(cookies, state):
    await state["store"].logout(cookies.get("session"))
    cookies.delete("session")
    return RedirectResponse("/login", 303)
