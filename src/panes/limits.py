"""Where users import the body limit from, to put it around another ASGI app (docs/serving.md).
It is written in :mod:`panes.http.limits`."""

from panes.http.limits import BodySizeLimit

__all__ = ["BodySizeLimit"]
