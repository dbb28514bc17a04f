"""The pieces of the mail client's UI, shared by its slots."""

from __future__ import annotations

from datetime import datetime

from htpy import (
    Element,
    a,
    article,
    button,
    div,
    form,
    h1,
    h2,
    header,
    input,
    label,
    li,
    nav,
    p,
    span,
    textarea,
    time,
    ul,
)
from htpy import dialog as dialog_element
from markupsafe import Markup

from app._lib.store import FOLDERS, Message, Store

ICONS = {
    "inbox": "M3 13h4l2 3h6l2-3h4M5 5h14l2 8v6H3v-6z",
    "starred": "M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1L3.2 9.5l6.1-.9z",
    "sent": "M3 11l18-8-8 18-2-8z",
    "archive": "M3 4h18v4H3zM5 8v12h14V8M10 12h4",
    "outbox": "M12 3v12M7 8l5-5 5 5M4 15v5h16v-5",
}


def icon(name: str) -> Markup:
    return Markup('<svg class="icon" viewBox="0 0 24 24" aria-hidden="true">'
                  f'<path d="{ICONS[name]}"/></svg>')


def when(at: datetime) -> str:
    return at.strftime("%H:%M") if at.date() == datetime(2025, 3, 14).date() else \
        at.strftime("%d %b")


def initials(name: str) -> str:
    return "".join(part[0] for part in name.split()[:2]).upper()


def avatar(name: str) -> Element:
    hue = sum(map(ord, name)) % 360
    return span(".avatar", style=f"background: hsl({hue} 55% 48%)", aria_hidden="true")[
        initials(name)]


def folder_nav(store: Store, user: str | None, active: str | None) -> Element:
    return nav(".folders", aria_label="Folders")[
        div(".brand")[Markup("&#9993;"), " Mail"],
        a(".compose", href="/compose")[Markup("&#9998;"), " Compose"],
        ul[(li[a(href=f"/{key}", id=f"folder-{key}",
                 class_="active" if key == active else None)[
            icon(key), span(".name")[title],
            (span(".count")[str(n)] if (n := store.unread(key)) else None),
        ]] for key, title in FOLDERS.items())],
        div(".account")[
            avatar("Ada Lovelace"),
            div[p(".who")["Ada Lovelace"], p(".mail")[user or ""]],
            form(method="post", action="/logout")[
                button(".link", type="submit", title="Log out")["Log out"]],
        ],
    ]


def message_list(folder: str, messages: list[Message], selected: str | None = None) -> Element:
    title = FOLDERS.get(folder, folder.title())
    return div(".list-inner")[
        header(".list-head")[h2[title], span(".muted")[f"{len(messages)} messages"]],
        ul(".messages")[
            (li(class_=" ".join(c for c in ("unread" if m.unread else "",
                                             "selected" if m.id == selected else "") if c)
                or None)[
                # opening a message marks it read: its pages say PREFETCH = False
                a(href=f"/{folder}/{m.id}", id=f"message-{m.id}")[
                    avatar(m.sender),
                    div(".line")[
                        div(".top")[span(".sender")[m.sender],
                                    time(datetime=m.at.isoformat())[when(m.at)]],
                        div(".subject")[("★ " if m.starred else "") + m.subject],
                        div(".preview")[m.preview],
                    ],
                ]
            ] for m in messages)
        ] if messages else p(".empty")["Nothing here."],
    ]


def list_skeleton() -> Element:
    return div(".list-inner", aria_busy="true")[
        header(".list-head")[h2[span(".shimmer", style="width: 90px")[""]]],
        p(".loading-note")["Fetching from cold storage…"],
        ul(".messages.skeleton")[(li[div(".row")[
            span(".avatar.shimmer")[""],
            div(".line")[span(".shimmer", style="width: 60%")[""],
                         span(".shimmer", style="width: 85%")[""]],
        ]] for _ in range(6))],
    ]


def reading(message: Message, folder: str) -> Element:
    star = "Unstar" if message.starred else "Star"
    return article(".message")[
        header(".message-head")[
            h1(id="subject")[message.subject],
            div(".toolbar")[
                form(method="post")[
                    input(type="hidden", name="do", value="star"),
                    button(".tool", type="submit")[f"★ {star}"]],
                form(method="post")[
                    input(type="hidden", name="do", value="unread"),
                    button(".tool", type="submit")["Mark unread"]],
                form(method="post")[
                    input(type="hidden", name="do", value="archive"),
                    button(".tool", type="submit")["Archive"]],
            ],
        ],
        div(".from")[
            avatar(message.sender),
            div[p[span(".sender")[message.sender], " ", span(".muted")[f"<{message.address}>"]],
                p(".muted")[f"to {message.to} · {message.at:%A %d %B %Y, %H:%M}"]],
        ],
        div(".body")[(p[para] for para in message.body.split("\n\n"))],
        div(".reply")[a(".button", href="/compose")["Reply"]],
    ]


def compose_form(result: dict[str, dict[str, str]] | None = None) -> Element:
    """The compose form; ``result`` is its action's: field errors, and what was typed."""
    errors = (result or {}).get("errors", {})
    values = (result or {}).get("values", {})

    def error(name: str) -> Element | None:
        message = errors.get(name)
        return p(".field-error", id=f"{name}-error", role="alert")[message] if message else None

    return form(".compose-form", method="post", action="/compose", novalidate=True)[
        label["To", input(name="to", type="email", value=values.get("to", ""),
                          placeholder="charles@engine.org", autofocus=True,
                          aria_invalid="true" if "to" in errors else None)],
        error("to"),
        label["Subject", input(name="subject", placeholder="Subject",
                               value=values.get("subject", ""))],
        label["Message", textarea(name="body", rows="9", placeholder="Write your message…",
                                  aria_invalid="true" if "body" in errors else None)[
            values.get("body", "")]],
        error("body"),
        div(".actions")[button(".primary", type="submit")["Send"]],
    ]


def modal(label_text: str, *content: object) -> list[Element]:
    """A dialog over the mail client; Escape and × close it (data-panes-dismiss: Back, focus
    back on the link that opened it), and so does the backdrop."""
    return [
        div(".backdrop", onclick="history.back()"),
        dialog_element(".modal", open=True, aria_label=label_text, data_modal=True,
                       data_panes_dismiss=True)[
            header(".modal-head")[
                h2[label_text],
                button(".close", type="button", aria_label="Close", data_panes_dismiss=True)["×"]],
            *content,
        ],
    ]
