from htpy import a, li, span, ul

from app._ui.components import avatar, badge, card
from app._ui.data import TEAM


def page():
    return card(
        "Members",
        ul(".people")[
            (li[
                avatar(m["name"]),
                span(".who")[m["name"], span(".muted")[m["role"]]],
                badge("online", "green") if m["online"] else badge("away"),
            ] for m in TEAM)
        ],
        aside=a(href="/settings")["Settings →"],
    )
