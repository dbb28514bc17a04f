from htpy import a, p

from app._ui.components import card


def not_found():
    return card("Project not found", p(".muted")["There is no project with this id."],
                a(href="/projects")["← All projects"])
