from panes import not_found

from app._ui.photos import PHOTOS, full_photo


def page(params):
    if params["id"] not in PHOTOS:
        not_found()
    return full_photo(params["id"])
