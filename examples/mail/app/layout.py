from htpy import body, head, html, link, meta


def metadata(state, cookies):
    # the unread count in the tab's title: an action renders the head again
    store = state["store"]
    unread = store.unread("inbox") if store.user(cookies.get("session")) else 0
    name = f"({unread}) Mail" if unread else "Mail"
    return {"title": {"template": f"%s | {name}", "default": name},
            "description": "A mail client built on panes: folders, list and message as slots."}


def layout(children):
    return html(lang="en")[
        head[
            meta(charset="utf-8"),
            link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
            link(rel="stylesheet", href="/mail.css"),  # public/mail.css
        ],
        body[children],
    ]
