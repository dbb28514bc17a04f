"""A soft navigation to a URL that only a slot's catch-all serves shows the not-found UI, as a
hard load of it does (Next.js fixed this in its issue #79352); one to a URL that a real page in
another slot serves keeps ``children`` and shows that page (Next.js's e2e
``parallel-routes-and-interception``: ``parallel-layout``, ``parallel-prefetch-false``)."""

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
    # children has a page at /parallel-layout only; the slot has one below it too
    "parallel-layout/layout.py": "from htpy import div, h1\n\ndef layout(children, slot):\n"
                                 "    return div[h1('#parallel-layout')['parallel layout'], "
                                 "div('#children')[children], div('#slot')[slot]]\n",
    "parallel-layout/page.py": "from htpy import a, input\n\ndef page():\n"
                               "    return [input('#typed'), "
                               "a('#to-subroute', href='/parallel-layout/subroute')['subroute']]\n",
    "parallel-layout/@slot/page.py": "def page():\n    return 'slot children'\n",
    "parallel-layout/@slot/subroute/layout.py": "from htpy import div, h1\n\n"
                                                "def layout(children):\n    return div["
                                                "h1('#parallel-subroute')['parallel subroute layout'], "
                                                "children]\n",
    "parallel-layout/@slot/subroute/page.py": "def page():\n    return 'subroute page'\n",
    "prefetch-false/layout.py": "from htpy import div\n\ndef layout(children, parallel):\n"
                                "    return div[div('#pf-children')[children], parallel]\n",
    "prefetch-false/page.py": "from htpy import a\n\ndef page():\n"
                              "    return a('#to-foo', href='/prefetch-false/foo', "
                              "data_panes_prefetch='false')['link']\n",
    "prefetch-false/@parallel/default.py": "from htpy import div\n\ndef default():\n"
                                           "    return div('#default-parallel')["
                                           "'default view for parallel']\n",
    "prefetch-false/@parallel/foo/page.py": "from htpy import div\n\ndef page():\n"
                                            "    return div('#parallel-foo')['parallel for foo']\n",
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


def test_a_page_in_another_slot_keeps_children_and_shows_that_page(page, server):
    # a hard load of the URL is a 404 (children has nothing for it), a click is not
    assert page.goto(server.url + "/parallel-layout/subroute").status == 404
    start(page, server, "/parallel-layout")
    page.fill("#typed", "kept")
    page.click("#to-subroute")
    page.wait_for_selector("#parallel-subroute")
    assert page.url == server.url + "/parallel-layout/subroute" and same_document(page)
    assert page.text_content("#parallel-layout") == "parallel layout"
    assert page.text_content("#slot") == "parallel subroute layoutsubroute page"
    assert page.input_value("#typed") == "kept"  # children kept its DOM
    # refresh() renders each region again from the URL that activated it, and keeps the page
    page.evaluate("panes.refresh()")
    assert same_document(page) and page.input_value("#typed") == "kept"
    assert page.text_content("#slot") == "parallel subroute layoutsubroute page"
    page.go_back()
    page.wait_for_function("document.querySelector('#slot').textContent == 'slot children'")
    assert same_document(page) and page.input_value("#typed") == "kept"


def test_a_link_without_prefetch_shows_the_slot_page(page, server):
    start(page, server, "/prefetch-false")
    assert page.text_content("#default-parallel") == "default view for parallel"
    page.click("#to-foo")
    assert page.text_content("#parallel-foo") == "parallel for foo"
    assert same_document(page) and page.query_selector("#to-foo") is not None
