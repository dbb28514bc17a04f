from app._lib.ui import folder_nav


def page(params, state, cookies):
    store = state["store"]
    return folder_nav(store, store.user(cookies.get("session")), params["folder"])
