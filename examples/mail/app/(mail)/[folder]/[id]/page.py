from app._lib.ui import reading
from panes import not_found, redirect


async def metadata(params, state):
    message = await state["store"].get(params["id"])
    return {"title": message.subject if message else "Message not found"}


async def page(params, state):
    message = await state["store"].read(params["id"])
    if message is None:
        not_found()
    return reading(message, params["folder"])


async def action(request, params, state):
    form = await request.form()
    store = state["store"]
    if form.get("do") == "archive":
        await store.move(params["id"], "archive")
        redirect(f"/{params['folder']}")
    if form.get("do") == "star":
        await store.toggle_star(params["id"])
