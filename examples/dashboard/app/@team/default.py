from htpy import a, p

from app._ui.components import card
from app._ui.data import TEAM


def default():
    online = sum(m["online"] for m in TEAM)
    return card(
        "Team",
        p[f"{len(TEAM)} members · {online} online"],
        p[a(href="/")["See members"], " · ", a(href="/settings")["Team settings"]],
    )
