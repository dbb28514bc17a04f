from htpy import li, p, ul

from app._ui.components import card


metadata = {"description": "Your workspace: what is on your plate today."}


def page():
    return card(
        "Your workspace",
        ul[li["Review the Alpha onboarding copy"], li["Reply to Grace about billing"]],
        p(".muted")["Need admin rights? Ask an admin of your team."],
    )
