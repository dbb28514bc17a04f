from htpy import a, p

from app._ui.components import card


def default():
    return card(
        "Analytics",
        p(".muted")["No report for this page."],
        p[a(href="/")["Overview"], " · ", a(href="/page-views")["Page views"], " · ",
          a(href="/visitors")["Visitors"]],
    )
