import asyncio
import json

from htpy import button, div, form, h1, input, li, p, ul

from panes import not_found

STATUSES = ("open", "in progress", "closed")


async def metadata(params, state):
    issue = state["store"].issues.get(int(params["key"])) if params["key"].isdigit() else None
    return {"title": issue.title if issue else "No such issue"}


async def page(params, state):
    await asyncio.sleep(0.15)  # a database: the detail streams behind loading.py
    issue = state["store"].issues.get(int(params["key"])) if params["key"].isdigit() else None
    if issue is None:
        not_found()
    chart = {"label": "comments per day", "x": list(range(-13, 1)), "y": issue.activity}
    return div(".issue")[
        h1[f"#{issue.key} {issue.title}"],
        # A dropdown (tracker.js binds it on panes:load): each choice posts this page's action.
        div(".dropdown", data_dropdown=True)[
            button(type="button", aria_haspopup="menu", aria_expanded="false")[
                f"Status: {issue.status} ▾"],
            ul(role="menu", hidden=True)[(
                li[form(method="post")[
                    input(type="hidden", name="status", value=s),
                    button(role="menuitem", disabled=s == issue.status)[s],
                ]] for s in STATUSES
            )],
        ],
        # A chart drawn by uPlot (public/uPlot.iife.min.js) from the data in the attribute.
        div(".chart", data_chart=json.dumps(chart)),
        p[f"{sum(issue.activity)} comments in the last two weeks."],
    ]


def action(form, params, state):
    issue = state["store"].issues.get(int(params["key"]))
    if issue and form.get("status") in STATUSES:
        issue.status = str(form["status"])
