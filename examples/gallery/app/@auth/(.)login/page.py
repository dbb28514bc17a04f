from htpy import h2, p

from app._ui.forms import login_form
from app._ui.photos import modal


metadata = {"title": "Log in", "robots": {"index": False}}


def page():
    return modal("Log in", h2["Log in"], p["You stay on this page."], login_form())
