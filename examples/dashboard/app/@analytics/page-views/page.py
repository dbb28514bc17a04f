from app._ui.components import card, meter
from app._ui.data import TOP_PAGES


metadata = {"title": "Page views"}


def page():
    total = TOP_PAGES[0][1]
    return card("Top pages", [meter(path, views, total) for path, views in TOP_PAGES])
