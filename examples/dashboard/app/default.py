from htpy import a, div, p

from app._ui.components import card, stat


def default():
    # Shown in the main area on URLs that only the @team or @analytics slots serve.
    return div(".stack")[
        div(".grid")[
            stat("Revenue (MTD)", "$48,210", "+12.4%"),
            stat("Active users", "3,182", "+4.1%"),
        ],
        card("Select a section", p(".muted")["Pick a tab in Team or Analytics below, or go back to the ",
                                             a(href="/")["overview"], "."]),
    ]
