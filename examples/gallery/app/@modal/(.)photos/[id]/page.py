from panes import not_found

from app._ui.photos import PHOTOS, photo_metadata, photo_modal


def metadata(params):
    # The modal's head is the photo's, as the full page's: a shared link previews the same.
    return photo_metadata(params["id"])


def page(params):
    if params["id"] not in PHOTOS:
        not_found()
    return photo_modal(params["id"])
