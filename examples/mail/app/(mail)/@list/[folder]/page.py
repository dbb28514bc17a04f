from app._lib.store import FOLDERS
from app._lib.ui import message_list
from panes import not_found


async def page(params, state):
    if params["folder"] not in FOLDERS:
        not_found()
    return message_list(params["folder"], await state["store"].folder(params["folder"]))
