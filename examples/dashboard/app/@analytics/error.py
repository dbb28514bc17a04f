from htpy import a, article, code, h3, p


def error(error):
    return article(".card.error-card")[
        h3["Analytics are unavailable"],
        p["Something went wrong while loading this report. The rest of the dashboard still works."],
        p(".muted")[code[type(error).__name__], " ", str(error)],
        a(".btn", href="/")["Back to the overview"],
    ]
