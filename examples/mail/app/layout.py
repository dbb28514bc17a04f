from htpy import body, head, html, link, meta, title


def layout(children):
    return html(lang="en")[
        head[
            meta(charset="utf-8"),
            meta(name="viewport", content="width=device-width, initial-scale=1"),
            title["Mail"],
            link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
            link(rel="stylesheet", href="/mail.css"),  # public/mail.css
        ],
        body[children],
    ]
