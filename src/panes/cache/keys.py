"""Cache keys: everything that can change what a cached region shows, and nothing else.

A region's HTML is a function of the file that renders it, the values it is given (its bound
params, the query if it declares ``search_params``, what a layout read through
``selected_layout_segment(s)``) and the code itself. A key that leaves one of these out would
serve one URL's HTML on another (or old code's HTML after a deploy); a key that adds anything
else (the request, a header) would only lower the hit rate. So the key is exactly these parts,
written canonically (params by name, the query by name with each name's values in their order)
and hashed, so it has a bounded length whatever the URL.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path

ParamValue = str | Sequence[str]


def cache_key(file: str, params: Mapping[str, ParamValue] | None = None,
              search_params: Iterable[tuple[str, str]] | None = None,
              extra: Mapping[str, Sequence[str]] | None = None, version: str = "") -> str:
    """The key of the region that ``file`` renders for these inputs.

    ``file`` is the path relative to the app directory (``"@team/page.py"``); ``params`` the
    bound params (a catch-all's value is the list of its segments); ``search_params`` the query
    as ``(name, value)`` pairs, or ``None`` when the function does not declare
    ``search_params`` (then the query is not part of the key at all); ``extra`` further values
    the output depends on (a layout's ``selected_layout_segments`` reads, by slot); ``version``
    the code's identity (a build id, a hash of the sources), so a deploy never serves old HTML.

    Pairs with the same name keep their order (``getlist`` sees it); pairs with different names
    are sorted, so ``?a=1&b=2`` and ``?b=2&a=1`` share an entry.
    """
    parts: list[object] = [version, file]
    parts.append(sorted((name, _value(v)) for name, v in (params or {}).items()))
    if search_params is None:
        parts.append(None)
    else:
        pairs = list(search_params)
        parts.append(sorted(pairs, key=lambda pair: pair[0]))  # stable: values keep order
    parts.append(sorted((name, list(v)) for name, v in (extra or {}).items()))
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"{file}#{digest}"


def _value(value: ParamValue) -> str | list[str]:
    return value if isinstance(value, str) else list(value)


def build_id(app_dir: str | Path) -> str:
    """The code's identity for cache keys: ``PANES_BUILD_ID`` if set (a git commit, a release
    number: it covers code outside the app directory too), else a hash of every Python file
    under ``app_dir`` and the panes version.

    Computed once at startup; a new deploy gets new keys, so it never shows HTML rendered by
    the old code, and the old entries age out of the store.
    """
    given = os.environ.get("PANES_BUILD_ID")
    if given:
        return given
    root = Path(app_dir)
    digest = hashlib.sha256(version("panes").encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
