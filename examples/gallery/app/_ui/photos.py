"""The gallery's photos (colour swatches stand in for images) and its modal."""

from htpy import a, button, div, figure, figcaption, h2, p
from htpy import dialog as dialog_element

PHOTOS = {
    "1": ("Sunrise over the bay", "#f6a45c", "#c2466b"),
    "2": ("Pine forest", "#2f7a55", "#9fd3a0"),
    "3": ("Glacier lake", "#3a7bd5", "#a8e0ff"),
    "4": ("Desert dunes", "#d9a35b", "#8a4f2a"),
    "5": ("Night city", "#1d1f3b", "#6a5acd"),
    "6": ("Lavender field", "#8e6ccf", "#e4d3ff"),
}


def photo_metadata(photo_id: str) -> dict:
    """The photo's title and its Open Graph / Twitter card (relative URLs resolve against the
    root layout's metadataBase)."""
    if photo_id not in PHOTOS:
        return {}
    title = PHOTOS[photo_id][0]
    description = f"Photo #{photo_id} of the gallery: {title.lower()}."
    return {
        "title": title,
        "description": description,
        "alternates": {"canonical": f"/photos/{photo_id}"},
        "openGraph": {
            "title": title,
            "description": description,
            "url": f"/photos/{photo_id}",
            "siteName": "Gallery",
            "type": "article",
            "images": [{"url": f"/og/photo-{photo_id}.png", "width": 1200, "height": 630,
                        "alt": title}],
        },
        "twitter": {"card": "summary_large_image"},
    }


def swatch(photo_id: str, large: bool = False):
    title, start, end = PHOTOS[photo_id]
    return div(
        class_="swatch large" if large else "swatch",
        style=f"background: linear-gradient(135deg, {start}, {end})",
        role="img",
        aria_label=title,
    )


def photo_figure(photo_id: str, large: bool = False):
    title = PHOTOS[photo_id][0]
    return figure[swatch(photo_id, large), figcaption[f"#{photo_id} · {title}"]]


def neighbours(photo_id: str):
    ids = list(PHOTOS)
    i = ids.index(photo_id)
    return ids[i - 1], ids[(i + 1) % len(ids)]


def modal(label: str, *content):
    """A dialog over the page; Escape, the backdrop and the close button go back
    (``data-panes-dismiss``: the runtime closes the modal on Escape and on a click of the
    button, and gives focus back to the link that opened it)."""
    return [
        div(".backdrop", onclick="history.back()"),
        dialog_element(".modal", open=True, aria_label=label, data_modal=True,
                       data_panes_dismiss=True)[
            button(".close", type="button", aria_label="Close", data_panes_dismiss=True)["×"],
            *content,
        ],
    ]


def photo_modal(photo_id: str):
    previous, following = neighbours(photo_id)
    return modal(
        PHOTOS[photo_id][0],
        photo_figure(photo_id, large=True),
        p(".nav")[
            a("#modal-prev", href=f"/photos/{previous}")["← previous"], " ",
            a("#modal-next", href=f"/photos/{following}")["next →"],
        ],
    )


def full_photo(photo_id: str):
    previous, following = neighbours(photo_id)
    return div(".full")[
        h2[PHOTOS[photo_id][0]],
        photo_figure(photo_id, large=True),
        p(".nav")[a(href=f"/photos/{previous}")["← previous"], " ",
                  a(href=f"/photos/{following}")["next →"], " ", a(href="/")["all photos"]],
    ]
