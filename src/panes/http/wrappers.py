"""The small answers an :class:`~panes.http.app.App` makes itself: records for the client runtime,
and the method it does not allow."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from panes.core import protocol


def answer(*records: protocol.Record) -> Response:
    """Records for the client runtime (:mod:`panes.core.protocol`), never cached."""
    return Response("".join(map(protocol.frame, records)), 200, media_type=protocol.MEDIA_TYPE,
                    headers={"cache-control": protocol.PRIVATE})


def not_allowed() -> Response:
    return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
