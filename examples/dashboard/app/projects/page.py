from htpy import a, div, p

from app._ui.components import badge, card
from app._ui.data import PROJECTS


metadata = {"title": "Projects"}


def page():
    return div(".stack")[
        div(".grid")[
            (card(a(href=f"/projects/{pid}")[proj["name"]], p(".muted")[proj["summary"]],
                  aside=badge(proj["status"], proj["tone"]))
             for pid, proj in PROJECTS.items())
        ],
        p(".muted")["Try ", a(href="/projects/omega")["/projects/omega"], ": it does not exist (404)."],
    ]
