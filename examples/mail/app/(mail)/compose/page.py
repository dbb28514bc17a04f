from htpy import div, h1

from app._lib.ui import compose_form
from panes import invalid, redirect


metadata = {"title": "New message"}


def page(action_result=None):
    return div(".compose-page")[h1["New message"], compose_form(action_result)]


async def action(form, state):
    """Field errors come back as the page's ``action_result`` (422 without JavaScript), with
    what was typed; a sent message goes to the Sent folder."""
    to, subject, body = (str(form.get(k, "")).strip() for k in ("to", "subject", "body"))
    errors = {}
    if not to:
        errors["to"] = "Say who it goes to."
    elif "@" not in to:
        errors["to"] = f"{to} is not an email address."
    if not body:
        errors["body"] = "Write something first."
    if errors:
        return invalid({"errors": errors, "values": {"to": to, "subject": subject, "body": body}})
    await state["store"].send(to, subject, body)
    redirect("/sent")
