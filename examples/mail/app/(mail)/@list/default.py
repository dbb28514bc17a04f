from app._lib.ui import message_list


async def default(state):
    """On a URL with no folder (a reload of /compose): the inbox."""
    return message_list("inbox", await state["store"].folder("inbox"))
