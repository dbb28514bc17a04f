"""Next.js's Metadata API for panes: check what a ``layout.py``/``page.py`` declares, merge it
along the route, and write the ``<head>`` tags (as HTML for a hard load, as a small JSON value
for a soft navigation).

Pure: no I/O, no imports of user code. The rendering layer decides which files contribute
(:func:`loader_order` puts them in Next.js's order) and calls :func:`resolve` or :func:`merge`.
Keys are spelled as in Next.js (``openGraph``, ``alternates.canonical``); docs/metadata.md lists
every field, the merge rules and what is left out.

Where each part lives:

- :mod:`.checks`: the schema of every key and :func:`validate`/:func:`validate_viewport`;
- :mod:`.records`: the frozen records merging produces (:class:`Title`, :class:`Media`,
  :class:`OpenGraph`, :class:`Twitter`, :class:`Viewport`, :class:`Resolved`) and
  :class:`MetadataError`;
- :mod:`.merge`: Next.js's merge rules (titles and templates, URLs against ``metadataBase``,
  the Twitter and Open Graph fallbacks): :func:`merge`, :func:`merge_viewport`;
- :mod:`.evaluate`: checking what ``metadata()``/``viewport()`` functions return
  (:func:`checked`) and merging it (:func:`resolve`), and :func:`loader_order`;
- :mod:`.tags`: the head tags (:class:`Tag`, :func:`head_entries`, :func:`head_tags`,
  :func:`head_json`, :func:`head_digest`, :class:`Head`, :data:`MANAGED_ATTRIBUTE`).
"""

from __future__ import annotations

from panes.core.metadata.checks import validate, validate_viewport
from panes.core.metadata.evaluate import checked, loader_order, resolve
from panes.core.metadata.merge import merge, merge_viewport
from panes.core.metadata.records import (
    Media,
    MetadataError,
    OpenGraph,
    Resolved,
    Title,
    Twitter,
    Viewport,
)
from panes.core.metadata.tags import (
    MANAGED_ATTRIBUTE,
    Head,
    Tag,
    head_digest,
    head_entries,
    head_json,
    head_tags,
)

__all__ = [
    "Head", "MANAGED_ATTRIBUTE", "Media", "MetadataError", "OpenGraph", "Resolved", "Tag",
    "Title", "Twitter", "Viewport", "checked", "head_digest", "head_entries", "head_json",
    "head_tags", "loader_order", "merge", "merge_viewport", "resolve", "validate",
    "validate_viewport",
]
