from app._tracker import new_issue_form
from htpy import a, dialog, h2

metadata = {"title": "New issue"}


def page():
    # data-panes-dismiss: Escape closes the modal, and so does the link (Back, focus back on
    # the link that opened it); without JavaScript the link goes home.
    return dialog("#modal", open=True, data_panes_dismiss=True)[
        h2["New issue"],
        new_issue_form(),
        a("#close", href="/", data_panes_dismiss=True)["Cancel"],
    ]
