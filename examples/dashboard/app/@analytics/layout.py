from htpy import a, div, nav

TABS = [("Overview", "/"), ("Page views", "/page-views"), ("Visitors", "/visitors"),
        ("Realtime (slow)", "/realtime"), ("Errors demo", "/errors-demo")]


def layout(children):
    # The active tab gets aria-current="page" from panes; the CSS highlights it.
    return div[
        nav(".tabs")[(a(href=url)[label] for label, url in TABS)],
        children,
    ]
