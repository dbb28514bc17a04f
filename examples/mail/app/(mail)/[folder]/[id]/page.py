from app._lib.ui import reading
from panes import not_found, redirect

# Opening a message marks it read: only a click does, never a prefetch.
PREFETCH = False


async def metadata(params, state):
    message = await state["store"].get(params["id"])
    return {"title": message.subject if message else "Message not found"}


async def page(params, state):
    message = await state["store"].read(params["id"])
    if message is None:
        not_found()
    return reading(message, params["folder"])


async def action(form, params, state):
    store = state["store"]
    if form.get("do") == "archive":
        await store.move(params["id"], "archive")
        redirect(f"/{params['folder']}")
    if form.get("do") == "star":
        await store.toggle_star(params["id"])
    if form.get("do") == "unread":  # the counts in the folder list and the title change
        await store.mark_unread(params["id"])
        redirect(f"/{params['folder']}")  # reading it again would mark it read
