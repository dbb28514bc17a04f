from htpy import div, span

from app._ui.components import card, stat
from app._ui.data import WEEK


def page():
    top = max(n for _, n in WEEK)
    return div(".stack")[
        div(".grid")[
            stat("Page views (7d)", f"{sum(n for _, n in WEEK):,}", "+8.2%"),
            stat("Bounce rate", "38%", "-2.5%", lower_is_better=True),
        ],
        card("This week", div(".chart")[
            (div(".col")[div(".bar", style=f"height: {100 * n // top}%"), span[day]] for day, n in WEEK)
        ]),
    ]
