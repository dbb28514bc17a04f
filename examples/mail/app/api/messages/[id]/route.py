from panes import not_found


async def get(params, state):
    message = await state["store"].get(params["id"])
    if message is None:
        not_found()
    return message.as_dict()


async def delete(params, state):
    await state["store"].move(params["id"], "archive")
