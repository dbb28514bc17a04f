"""Where other servers find panes's app factory (``uvicorn --factory panes.cli:server_app``) and
the ``panes`` command its entry point. It is written in :mod:`panes.tools.cli`."""

from panes.tools.cli import main, server_app

__all__ = ["main", "server_app"]
