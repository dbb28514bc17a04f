from app._tracker import new_issue_form
from htpy import div, h1

from panes import invalid, redirect

metadata = {"title": "New issue"}


def page(action_result=None):
    return div[h1["New issue"], new_issue_form(action_result)]


def action(form, state):
    title = str(form.get("title", "")).strip()
    if not title:
        return invalid({"error": "A title is required.", "title": title})
    issue = state["store"].add(title)
    redirect(f"/issues/{issue.key}")
