"""A soft navigation to a URL that only a slot's catch-all serves shows the not-found UI, as a
hard load of it does (Next.js fixed this in its issue #79352)."""

from __future__ import annotations

import pytest
from conftest import same_document, serving, start, write_app

FILES = {
    "layout.py": "from htpy import body, html, main, nav\n\n"
                 "def layout(children, breadcrumb):\n"
                 "    return html[body[nav('#crumbs')[breadcrumb], main('#main')[children]]]\n",
    "page.py": "from htpy import a\n\ndef page():\n    return a('#to-a', href='/page-a')['page a']\n",
    "page-a/page.py": "from htpy import a, div\n\ndef page():\n"
                      "    return div[div('#content')['Page A Content'], "
                      "a('#nowhere', href='/does-not-exist')['nowhere']]\n",
    "@breadcrumb/[...catchAll]/page.py": "def page(params):\n    return 'crumbs: ' + '/'.join(params['catchAll'])\n",
    "@breadcrumb/page.py": "def page():\n    return 'crumbs: home'\n",
    "not_found.py": "from htpy import h1\n\ndef not_found():\n    return h1('#nf')['404 Not Found']\n",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(write_app(tmp_path_factory.mktemp("soft404") / "app", FILES)) as live:
        yield live


def test_a_hard_load_of_the_url_is_the_404(page, server):
    response = page.goto(server.url + "/does-not-exist")
    assert response.status == 404 and page.text_content("#nf") == "404 Not Found"


def test_a_click_to_it_shows_the_not_found_ui_not_the_old_page(page, server):
    start(page, server, "/page-a")
    page.click("#nowhere")
    page.wait_for_selector("#nf")
    assert page.url == server.url + "/does-not-exist"
    assert page.query_selector("#content") is None  # "Page A Content" is gone
    assert not same_document(page)  # as Next.js does now: the 404 document


def test_a_slot_catch_all_still_follows_pages_softly(page, server):
    start(page, server)
    page.click("#to-a")
    page.wait_for_selector("#content")
    assert page.text_content("#crumbs") == "crumbs: page-a" and same_document(page)
