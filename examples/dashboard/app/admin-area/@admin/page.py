from htpy import button, div, p

from app._ui.components import badge, card, stat


# Only when the layout places this slot (an admin) does it describe the page.
metadata = {"description": "Admin console: approvals, seats and billing."}


def page():
    return div(".stack")[
        div(".grid")[stat("Pending approvals", "7"), stat("Seats used", "48 / 50"), stat("Uptime", "99.98%")],
        card("Admin console", p["Approve new members, manage seats and billing."], button(".btn", type="button")["Review approvals"],
             aside=badge("admin only", "red")),
    ]
