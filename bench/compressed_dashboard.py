"""The dashboard behind :class:`panes.http.compress.CompressMiddleware`, for ``bench_servers``
(``panes start bench.compressed_dashboard:app`` from the repository root)."""

from pathlib import Path

from panes import App
from panes.http.compress import CompressMiddleware

APP_DIR = Path(__file__).resolve().parent.parent / "examples" / "dashboard" / "app"
app = CompressMiddleware(App(APP_DIR))
