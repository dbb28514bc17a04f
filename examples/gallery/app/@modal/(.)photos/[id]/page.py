from panes import not_found

from app._ui.photos import PHOTOS, photo_modal


def page(params):
    if params["id"] not in PHOTOS:
        not_found()
    return photo_modal(params["id"])
