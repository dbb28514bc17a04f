from panes import not_found

from app._ui.photos import PHOTOS, full_photo, photo_metadata


def metadata(params):
    return photo_metadata(params["id"])


def page(params):
    if params["id"] not in PHOTOS:
        not_found()
    return full_photo(params["id"])
