"""The client runtime: one dependency-free script, served at a content-hashed URL.

``static/panes.js`` is written to be read; it is served without its comment lines and
indentation (nothing else changes), which is what its size budget counts.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

from markupsafe import escape
from starlette.responses import PlainTextResponse, Response

PREFIX = b"/_panes/"


@cache
def source() -> bytes:
    text = files("panes").joinpath("static/panes.js").read_text()
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")).encode()


@cache
def path() -> str:
    digest = hashlib.sha256(source()).hexdigest()[:12]
    return f"/_panes/panes.{digest}.js"


def tags(state: str, root_path: str = "") -> str:
    """What panes adds before ``</body>``: the navigation state and the runtime."""
    return (f'<script type="application/x-panes-state" id="panes-state">{state}</script>'
            f'<script src="{escape(root_path)}{path()}" data-root="{escape(root_path)}" defer>'
            "</script>")


def response(raw_path: bytes) -> Response:
    if raw_path.decode("latin-1") != path():
        return PlainTextResponse("Not Found", 404)
    return Response(source(), media_type="text/javascript",
                    headers={"cache-control": "public, max-age=31536000, immutable"})
