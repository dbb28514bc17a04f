from htpy import h1, p

from app._ui.forms import login_form
from panes import redirect


metadata = {"title": "Log in", "robots": {"index": False}}


def page():
    return [h1["Log in"], p["The full page: shown on a hard load or reload of /login."], login_form()]


async def action(request):
    """The form posts here, from the page or from the modal; then the user goes home."""
    form = await request.form()
    if not form.get("email"):
        redirect("/login")
    redirect("/")
