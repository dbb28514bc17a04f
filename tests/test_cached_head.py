"""A cached region's ``metadata()`` runs on every answer, cache hits included: the head is
right on every answer (a document, a soft navigation, a refresh), the second one too."""

from __future__ import annotations

import pytest
from conftest import write_app

from panes.testing import Client

COUNTED = """
import itertools

revalidate = 60
_visits = itertools.count(1)

{kind}metadata():
    return {{"title": "{title} " + str(next(_visits))}}

def page():
    return "{title} content"
"""

FILES = {
    "layout.py": "from markupsafe import Markup\n\nmetadata = {'title': 'Home'}\n\n"
                 "def layout(children):\n"
                 "    return Markup('<html><body>{}</body></html>').format(children)\n",
    "page.py": "def page():\n    return 'home'\n",
    "sync/page.py": COUNTED.format(kind="def ", title="Sync"),
    "async/page.py": COUNTED.format(kind="async def ", title="Async"),
    # a cached layout with an async metadata(): its description, on every answer
    "shop/layout.py": "from markupsafe import Markup\n\nrevalidate = 60\n\n"
                      "async def metadata():\n    return {'description': 'The shop'}\n\n"
                      "def layout(children):\n    return Markup('<div>{}</div>').format(children)\n",
    "shop/page.py": "def page():\n    return 'shop'\n",
    # a cached page behind a loading boundary: sent at once, with its head
    "slow/loading.py": "def loading():\n    return 'loading'\n",
    "slow/page.py": COUNTED.format(kind="async def ", title="Slow"),
}


@pytest.fixture
def client(tmp_path):
    with Client(write_app(tmp_path / "app", FILES)) as client:
        yield client


@pytest.mark.parametrize("url", ["/sync", "/async"])
def test_every_document_has_the_title(client, url):
    name = url[1:].capitalize()
    first, second, third = (client.get(url) for _ in range(3))
    assert second.text("children") == first.text("children") == f"{name} content"  # cached
    assert (first.title, second.title, third.title) == (f"{name} 1", f"{name} 2", f"{name} 3")


def test_a_cached_page_behind_a_loading_boundary_has_its_title(client):
    client.get("/slow")  # streamed, then cached
    second, third = client.get("/slow"), client.get("/slow")
    assert second.text("children") == "Slow content"  # at once, no loading UI
    assert (second.title, third.title) == ("Slow 2", "Slow 3")


def test_soft_navigations_and_refreshes_have_the_title(client):
    client.get("/async")  # the page is cached now
    page = client.navigate("/", "/async")
    assert page.title == "Async 2"
    assert page.refresh().title == "Async 3"
    assert page.navigate("/").navigate("/async").title == "Async 4"


def test_a_cached_layout_has_its_description(client):
    for _ in range(2):
        assert client.get("/shop").meta["description"] == "The shop"
    assert client.navigate("/", "/shop").meta["description"] == "The shop"
