from app._lib.ui import compose_form, modal


def page(action_result=None):
    return modal("New message", compose_form(action_result))
