from htpy import a, article, button, code, h3, p


def error(error):
    # Under `panes dev` this is the exception; under `panes start`, a generic ServerError whose
    # digest names the log line that holds the real one.
    return article(".card.error-card")[
        h3["Analytics are unavailable"],
        p["Something went wrong while loading this report. The rest of the dashboard still works."],
        p(".muted")[code[type(error).__name__], " ", str(error)],
        p[
            button(".btn", type="button", data_panes_retry=True)["Try again"], " ",
            a(".btn", href="/")["Back to the overview"],
        ],
    ]
