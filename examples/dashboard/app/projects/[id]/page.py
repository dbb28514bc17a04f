from htpy import a, div, p, strong

from app._ui.components import badge, card
from app._ui.data import PROJECTS
from panes import not_found


async def metadata(params):
    project = PROJECTS.get(params["id"])
    if project is None:
        return {}  # page() answers not_found()
    return {"title": f"Project {project['name']}", "description": project["summary"]}


def page(params):
    project = PROJECTS.get(params["id"])
    if project is None:
        not_found()
    return card(
        f"Project {project['name']}",
        p[project["summary"]],
        p(".muted")["Owner: ", strong[project["owner"]], f" · {project['progress']}% complete"],
        div(".progress")[div(style=f"width: {project['progress']}%")],
        p[a(href="/projects")["← All projects"]],
        aside=badge(project["status"], project["tone"]),
    )
