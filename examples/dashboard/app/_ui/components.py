"""Small UI helpers shared by the pages (a private folder: not a route)."""

from htpy import article, div, h3, header, span


def card(title, *body, aside=None):
    """A white card with a title row (and an optional element on its right)."""
    return article(".card")[header(".card-head")[h3[title], aside], body]


def stat(label, value, delta=None, lower_is_better=False):
    """A KPI tile: label, big number and an optional trend like "+4.1%"."""
    better = bool(delta) and delta.startswith("-") == lower_is_better
    tone = ".up" if better else ".down"
    return div(".stat")[
        span(".stat-label")[label],
        span(".stat-value")[value],
        delta and span(f".stat-delta{tone}")[delta],
    ]


def badge(text, tone="gray"):
    return span(f".badge.{tone}")[text]


def avatar(name):
    initials = "".join(part[0] for part in name.split()[:2])
    return span(".avatar")[initials]


def meter(label, value, total):
    """A labelled horizontal bar, value as a share of total."""
    pct = round(100 * value / total) if total else 0
    return div(".meter")[
        div(".meter-row")[span[label], span(".muted")[f"{value:,}"]],
        div(".meter-track")[div(".meter-fill", style=f"width: {pct}%")],
    ]
