from htpy import a, div, p

from app._ui.components import badge, card


def layout(children, admin, user, request):
    # Layouts get no search_params: read the role from the request (query, then cookie).
    role = request.query_params.get("role") or request.cookies.get("role") or "user"
    return div(".stack")[
        children,
        card(
            "Signed in as",
            p[badge(role, "blue" if role == "admin" else "gray")],
            # Only the query changes between these links: reload so the layout re-renders.
            p[a(href="/admin-area?role=admin", data_panes_reload=True)["Switch to admin"], " · ",
              a(href="/admin-area?role=user", data_panes_reload=True)["Switch to user"]],
        ),
        # Only one of the two slots is placed, so the other is never executed.
        admin if role == "admin" else user,
    ]
