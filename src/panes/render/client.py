"""The client runtime: one dependency-free script, served at a content-hashed URL.

``static/panes.js`` is written to be read; it is served without its comments (whole lines, and
those that follow code after `` // ``) and indentation, nothing else changed: that is what its
size budget (:data:`BUDGET`, gzipped) counts.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache, lru_cache
from importlib.resources import files

from markupsafe import escape
from starlette.responses import PlainTextResponse, Response

from panes.core.protocol import dumps

PREFIX = b"/_panes/"
BUDGET = 6400  # bytes, gzipped as served: README's "Client runtime" says the same
_TRAILING_COMMENT = re.compile(r"\s+// .*$")


@cache
def source() -> bytes:
    text = files("panes").joinpath("static/panes.js").read_text()
    lines = (_TRAILING_COMMENT.sub("", line.strip()) for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")).encode()


@cache
def path() -> str:
    digest = hashlib.sha256(source()).hexdigest()[:12]
    return f"/_panes/panes.{digest}.js"


@lru_cache(maxsize=64)
def runtime_tag(root_path: str = "", defer: bool = True) -> str:
    """The runtime's script tag. A streamed document loads it before its first fill (the fills
    use its swapper); it starts once the document, with its state, is complete.

    A streamed document's stream may be cut while the runtime loads: Chromium then never runs
    a script that held the parser, so a second copy is added after 3 s if none ran (the runtime
    starts once), which reads the page again."""
    tag = (f'<script src="{escape(root_path)}{path()}" data-root="{escape(root_path)}"'
           f'{" defer" if defer else ""}></script>')
    if defer:
        return tag
    root, src = dumps(root_path), dumps(root_path + path())
    return ("<script>setTimeout(function(s){window.panes||(s=document.createElement('script'),"
            f"s.src={src},s.dataset.root={root},document.body.append(s))}},3e3)</script>{tag}")


def state_tag(state: str) -> str:
    """The navigation state (JSON made safe inside ``<script>`` by :func:`protocol.dumps`)."""
    return f'<script type="application/x-panes-state" id="panes-state">{state}</script>'


def tags(state: str, root_path: str = "") -> str:
    """What panes adds before ``</body>`` of a document that does not stream."""
    return state_tag(state) + runtime_tag(root_path)


def response(raw_path: bytes) -> Response:
    if raw_path.decode("latin-1") != path():
        return PlainTextResponse("Not Found", 404)
    return Response(source(), media_type="text/javascript",
                    headers={"cache-control": "public, max-age=31536000, immutable"})
