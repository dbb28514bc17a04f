from htpy import body, head, html, link, meta, title


def layout(children, state, cookies):
    # the unread count in the tab's title: every action renders the root layout again
    store = state["store"]
    unread = store.unread("inbox") if store.user(cookies.get("session")) else 0
    return html(lang="en")[
        head[
            meta(charset="utf-8"),
            meta(name="viewport", content="width=device-width, initial-scale=1"),
            title[f"({unread}) Mail" if unread else "Mail"],
            link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
            link(rel="stylesheet", href="/mail.css"),  # public/mail.css
        ],
        body[children],
    ]
