from htpy import div, h1

from app._lib.ui import compose_form
from panes import redirect


metadata = {"title": "New message"}


def page():
    return div(".compose-page")[h1["New message"], compose_form()]


async def action(request, state):
    form = await request.form()
    await state["store"].send(str(form.get("to", "")), str(form.get("subject", "")),
                              str(form.get("body", "")))
    redirect("/sent")
