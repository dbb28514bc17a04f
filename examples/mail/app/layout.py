from htpy import body, head, html, link, meta

metadata = {"title": {"template": "%s | Mail", "default": "Mail"},
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
