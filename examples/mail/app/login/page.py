from htpy import button, div, form, h1, input, label, p
from markupsafe import Markup

from app._lib.store import DEMO_EMAIL, DEMO_PASSWORD
from panes import redirect


metadata = {"title": "Sign in"}


def page(search_params):
    failed = search_params.get("error")
    return div(".centered")[div(".card.login")[
        div(".brand")[Markup("&#9993;"), " Mail"],
        h1["Sign in"],
        p(".muted")["Use the demo account, already filled in."],
        p(".error", role="alert")["Wrong email or password."] if failed else None,
        form(method="post")[
            input(type="hidden", name="next", value=search_params.get("next", "/inbox")),
            label["Email", input(name="email", type="email", value=DEMO_EMAIL, required=True)],
            label["Password", input(name="password", type="password", value=DEMO_PASSWORD,
                                    required=True)],
            button(".primary", type="submit")["Sign in"],
        ],
    ]]


async def action(request, cookies, state):
    form = await request.form()
    session = await state["store"].login(str(form.get("email", "")),
                                         str(form.get("password", "")))
    if session is None:
        redirect("/login?error=1")
    cookies.set("session", session, max_age=60 * 60 * 24 * 30)
    target = str(form.get("next") or "/inbox")
    # a path inside the app only: not another site (//evil.example, /\evil.example)
    redirect(target if target.startswith("/") and target[1:2] not in ("/", "\\") else "/inbox")
