from htpy import a, div, h1, p


def not_found():
    return div(".centered")[div(".card")[
        h1["Not found"],
        p(".muted")["This message or folder does not exist."],
        a(".button", href="/inbox")["Back to Inbox"],
    ]]
