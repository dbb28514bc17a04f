from htpy import a, h2, li, nav, p, span, ul

from app._ui.components import card
from app._ui.data import DOCS
from panes import not_found


def title(part):
    return part.replace("-", " ").capitalize()


def metadata(params):
    return {"title": "Docs: " + " / ".join(title(part) for part in params["slug"])}


def page(params):
    slug = params["slug"]  # e.g. ["getting-started", "install"]
    path = "/".join(slug)
    if path not in DOCS:
        not_found()
    crumbs = [span["Docs"]] + [
        span[a(href="/docs/" + "/".join(slug[: i + 1]))[title(part)]] for i, part in enumerate(slug)
    ]
    subpages = [key for key in DOCS if key.startswith(path + "/")]
    return card(
        "Documentation",
        nav(".crumbs", aria_label="Breadcrumb")[crumbs],
        h2[title(slug[-1])],
        p[DOCS[path]],
        subpages and ul[(li[a(href=f"/docs/{key}")[title(key.split("/")[-1])]] for key in subpages)],
    )
