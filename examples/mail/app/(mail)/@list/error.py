from htpy import button, div, h2, p


def error(error, params):
    return div(".list-inner")[div(".failed", role="alert")[
        h2["Couldn't load this folder"],
        p(".muted")["The mail server did not answer. Your messages are safe."],
        p(".digest")[str(error)],
        button(".button", type="button", data_panes_retry=True)["Try again"],
    ]]
