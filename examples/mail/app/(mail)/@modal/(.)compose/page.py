from app._lib.ui import compose_form, modal


metadata = {"title": "New message"}


def page():
    return modal("New message", compose_form())
