from htpy import a, code, p

from app._ui.components import card


def not_found(request):
    return card(
        "Page not found",
        p["Nothing lives at ", code[request.url.path], "."],
        a(".btn", href="/")["Back to the dashboard"],
    )
