"""Where users import the test client from: ``from panes.testing import Client``. It is written
in :mod:`panes.tools.testing`."""

from panes.tools.testing import AsyncClient, Client, Page

__all__ = ["AsyncClient", "Client", "Page"]
