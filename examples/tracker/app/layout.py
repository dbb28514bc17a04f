from htpy import a, body, div, head, header, html, link, main, meta, script


def layout(children, list, modal):
    return html(lang="en")[
        head[
            meta(charset="utf-8"),
            link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
            link(rel="stylesheet", href="/uPlot.min.css"),  # public/: uPlot, MIT (uPlot.LICENSE)
            link(rel="stylesheet", href="/tracker.css"),
            # Deferred: they run before the runtime's first panes:load, on the body.
            script(src="/uPlot.iife.min.js", defer=True),
            script(src="/tracker.js", defer=True),
        ],
        body[
            header(".top")[
                a(".brand", href="/")["Tracker"],
                a("#new", href="/new")["New issue"],
                div(".keys")["j / k: next / previous issue · c: new issue"],
            ],
            div(".app")[list, main(".detail")[children]],
            modal,
        ],
    ]
