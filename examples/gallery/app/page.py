from htpy import a, div, h1, p

from app._ui.photos import PHOTOS, photo_figure


# The root page sits beside the root layout: the layout's title template does not apply to it.
metadata = {"title": "Gallery · All photos"}


def page():
    return [
        h1["Photos"],
        p["Open a photo: it shows in a modal over this page, with its own URL. Back closes it, "
          "a reload shows the full photo page."],
        div(".grid")[[a(id=f"photo-{i}", href=f"/photos/{i}")[photo_figure(i)] for i in PHOTOS]],
    ]
