from app._lib.ui import folder_nav


def default(state, cookies):
    store = state["store"]
    return folder_nav(store, store.user(cookies.get("session")), None)
