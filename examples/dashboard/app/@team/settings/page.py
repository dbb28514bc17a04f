from htpy import a, button, div, form, input, label, option, p, select

from app._ui.components import card


def value(search_params, key):
    v = search_params.get(key)
    return v[-1] if isinstance(v, list) else v


metadata = {"title": "Team settings"}


def page(search_params):
    name = value(search_params, "team_name")
    return card(
        "Team settings",
        name and p(".notice")[f"Saved — the team is now called “{name}”."],
        form(method="get", action="/settings")[
            label(for_="team_name")["Team name"],
            input(id="team_name", name="team_name", type="text", value=name or "Acme Core",
                  placeholder="Team name"),
            label(for_="default_role")["Default role for new members"],
            select(id="default_role", name="default_role")[
                option(value="member")["Member"], option(value="admin")["Admin"],
                option(value="viewer")["Viewer"],
            ],
            label(".check")[input(type="checkbox", name="digest", checked=True), "Send a weekly digest"],
            div[button(".btn", type="submit")["Save"], " ", a(".btn.ghost", href="/")["Done"]],
        ],
        aside=a(href="/")["← Members"],
    )
