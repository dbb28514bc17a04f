"""Where users import the compressor from, to put it around another ASGI app (docs/serving.md).
It is written in :mod:`panes.http.compress`."""

from panes.http.compress import MAX_PADDING, CompressMiddleware

__all__ = ["MAX_PADDING", "CompressMiddleware"]
