from htpy import div

from app._ui.components import card


def loading():
    return card("Live events", div(".skeleton.big"), div(".skeleton"), div(".skeleton"), div(".skeleton"))
