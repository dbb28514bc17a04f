from htpy import div, p
from markupsafe import Markup

from app._lib.store import FOLDERS
from panes import not_found


def metadata(params):
    return {"title": params["folder"].capitalize()}


def page(params):
    if params["folder"] not in FOLDERS:
        not_found()
    return div(".nothing")[Markup("&#9993;"), p["Select a message to read it."]]
