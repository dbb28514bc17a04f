from app._lib.ui import folder_nav


async def page(params, state, cookies):
    store = state["store"]
    await store.read(params["id"])
    return folder_nav(store, store.user(cookies.get("session")), params["folder"])
