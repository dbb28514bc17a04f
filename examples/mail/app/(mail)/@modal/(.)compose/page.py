from app._lib.ui import compose_form, modal


def page():
    return modal("New message", compose_form())
