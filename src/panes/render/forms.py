"""The mark panes puts in a page's forms, so that a post names the page that rendered it.

A page with an ``action()`` may be any page on the screen: the ``children`` page, a slot's page
(``@detail/issues/[key]/page.py``), a modal. Its form posts to the URL the browser shows, which
names a whole screen, not one of its pages; so each ``<form method="post">`` a page with an
action renders (one without an ``action`` attribute: it posts to the page's URL) gets a hidden
field naming that page, as Next.js's forms carry their action's id. It works without
JavaScript (it is a field of the form). The field is not authority: the server runs the page's
action only if the layouts place that page for this request (:mod:`panes.http.actions`).
"""

from __future__ import annotations

import hashlib
import re

from starlette.datastructures import FormData

#: The name of the hidden field; it is taken out of ``form`` before the action gets it.
ACTION_FIELD = "_panes_action"

_FORM = re.compile(r"<form\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.IGNORECASE)
_POST = re.compile(r"(?:^|\s)method\s*=\s*(?:\"\s*post\s*\"|'\s*post\s*'|post(?=[\s/>]|$))",
                   re.IGNORECASE)
_ACTION = re.compile(r"(?:^|\s)action\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)


def action_id(file: str) -> str:
    """The id of a page's action in its forms: short, stable across deploys while the file
    stays where it is, and not the file's path."""
    return hashlib.sha256(file.encode()).hexdigest()[:16]


def mark(html: str, token: str) -> str:
    """``html`` with the hidden field after the opening tag of each post form that posts to
    the page's own URL (no ``action``, or an empty one)."""
    field = f'<input type="hidden" name="{ACTION_FIELD}" value="{token}">'

    def one(m: re.Match[str]) -> str:
        attributes = m.group(1)
        if not _POST.search(attributes):
            return m.group(0)
        target = _ACTION.search(attributes)
        if target is not None and target.group(1).strip("\"'").strip():
            return m.group(0)  # it posts elsewhere: that URL's page serves it
        return m.group(0) + field

    return _FORM.sub(one, html)


def unmarked(form: FormData) -> tuple[FormData, str | None]:
    """The form without the mark, and the action id it named (``None``: no mark)."""
    if ACTION_FIELD not in form:
        return form, None
    token = form.get(ACTION_FIELD)
    rest = [(k, v) for k, v in form.multi_items() if k != ACTION_FIELD]
    return FormData(rest), token if isinstance(token, str) else None
