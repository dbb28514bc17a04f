"""URL paths as the invalidation index knows them.

An entry is indexed under the URL path it was rendered for (``/inbox/3``) or, for a region
shown at a path and everywhere below it (a layout, a slot's default), under ``/inbox/*``.
``revalidate_path("/inbox/3")`` then drops what that URL shows: the entries of ``/inbox/3``
and those of ``/*``, ``/inbox/*`` and ``/inbox/3/*``. Both sides are normalized the same way,
so ``/inbox/``, ``/inbox?x=1`` and ``/inbox`` are one path, and ``/caf%C3%A9`` is ``/café``.
"""

from __future__ import annotations

from urllib.parse import unquote


def normalize_path(path: str) -> str:
    """One spelling per URL path (``"/inbox/*"`` keeps its ``/*``)."""
    below = path.endswith("/*")
    if below:
        path = path[:-2]
    path = unquote(path.split("#", 1)[0].split("?", 1)[0])
    path = "/" + path.strip("/")
    if below:
        return "/*" if path == "/" else path + "/*"
    return path


def below(path: str) -> str:
    """The index name of a region shown at ``path`` and every path below it."""
    return normalize_path(path.rstrip("/") + "/*")


def invalidated_by(path: str) -> list[str]:
    """The index names ``revalidate_path(path)`` drops: the path, and each ancestor's ``/*``."""
    path = normalize_path(path)
    names = [path, "/*"]
    prefix = ""
    for part in path.strip("/").split("/"):
        if part:
            prefix += "/" + part
            names.append(prefix + "/*")
    return names
