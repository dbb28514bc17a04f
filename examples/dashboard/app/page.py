from htpy import a, div, li, p, span, ul

from app._ui.components import badge, card, stat
from app._ui.data import PROJECTS


# Beside the root layout, so its template does not apply (as in Next.js).
metadata = {"title": "Overview · Acme Dashboard"}


def page():
    return div(".stack")[
        div(".grid")[
            stat("Revenue (MTD)", "$48,210", "+12.4%"),
            stat("Active users", "3,182", "+4.1%"),
            stat("Open projects", str(len(PROJECTS)), None),
            stat("Error rate", "0.42%", "-0.08%", lower_is_better=True),
        ],
        card(
            "Projects",
            ul(".people")[
                (li[
                    span(".who")[a(href=f"/projects/{pid}")[proj["name"]], span(".muted")[proj["summary"]]],
                    badge(proj["status"], proj["tone"]),
                ] for pid, proj in PROJECTS.items())
            ],
            aside=a(href="/projects")["All projects →"],
        ),
        p(".muted")["Tip: type in the team settings form, then open an analytics tab — the form keeps its text."],
    ]
