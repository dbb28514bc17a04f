from htpy import div

from app._ui.components import card, meter, stat

COUNTRIES = [("United States", 1240), ("Germany", 610), ("India", 540), ("Brazil", 330), ("Japan", 260)]


metadata = {"title": "Visitors"}


def page():
    total = sum(n for _, n in COUNTRIES)
    return div(".stack")[
        div(".grid")[stat("Unique visitors", f"{total:,}", "+5.3%"), stat("Returning", "41%", "+1.2%")],
        card("By country", [meter(name, n, total) for name, n in COUNTRIES]),
    ]
