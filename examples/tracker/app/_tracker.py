"""The tracker's shared UI: the new-issue form (the /new page and its modal show the same)."""

from __future__ import annotations

from htpy import Element, button, form, input, label, p


def new_issue_form(action_result: dict[str, str] | None = None) -> Element:
    error = (action_result or {}).get("error")
    return form("#new-issue", method="post", action="/new")[
        label["Title ", input("#title", name="title", autofocus=True,
                              value=(action_result or {}).get("title", ""))],
        p(".error")[error] if error else None,
        button(".primary")["Create"],
    ]
