from app._lib.ui import compose_form, modal


metadata = {"title": "New message"}


def page(action_result=None):
    return modal("New message", compose_form(action_result))
