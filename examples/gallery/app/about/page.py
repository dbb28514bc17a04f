from htpy import a, h1, p


metadata = {"title": "About", "description": "How the gallery is built."}


def page():
    return [h1["About"], p["A gallery built with panes: parallel routes and intercepting routes."],
            p[a("#about-team", href="/about/team")["Our favourite photos"]]]
