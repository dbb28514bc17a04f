from htpy import a, h1, p

from app._ui.photos import PHOTOS


metadata = {"title": "Our favourites"}


def page():
    # A nested page: the modal intercepts photo links from here too (the app root and below).
    return [h1["Favourites"],
            p[[a(id=f"fav-{i}", href=f"/photos/{i}")[f"{PHOTOS[i][0]} "] for i in ("2", "5")]]]
