from htpy import code, p

from app._ui.components import card


metadata = {"title": "Access area"}


def page():
    return card(
        "Access area",
        p["This layout has two slots, ", code["@admin"], " and ", code["@user"],
          ", and renders only the one that matches your role (", code["?role="], " or a ",
          code["role"], " cookie)."],
    )
