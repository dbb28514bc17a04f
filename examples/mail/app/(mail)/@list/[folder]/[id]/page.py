from app._lib.store import FOLDERS
from app._lib.ui import message_list
from panes import not_found

PREFETCH = False  # it marks the message read


async def page(params, state):
    if params["folder"] not in FOLDERS:
        not_found()
    store = state["store"]
    await store.read(params["id"])
    return message_list(params["folder"], await store.folder(params["folder"]), params["id"])
