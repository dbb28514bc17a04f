import json

from htpy import div, h1, p

metadata = {"title": "Tracker"}


def page(state):
    issues = state["store"].issues.values()
    totals = [sum(i.activity[d] for i in issues) for d in range(14)]
    chart = {"label": "comments, all issues", "x": list(range(-13, 1)), "y": totals}
    return div[
        h1["Overview"],
        p[f"{len(issues)} issues, {sum(i.status != 'closed' for i in issues)} not closed."],
        div(".chart", data_chart=json.dumps(chart)),
    ]
