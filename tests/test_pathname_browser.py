"""Next.js's ``interception-dynamic-segment-middleware`` app mounted in Starlette at ``/shop``
(``panes.Mount``), its middleware written with ``pathname`` and its links with ``href()``: the
bare ``/shop`` is the root page, the interception works from the rewritten URL, and Back shows
the browser's URL (``/shop``), never the rewritten one (``/shop/en``)."""

from __future__ import annotations

import pytest
from conftest import LiveServer, same_document, start, write_app
from starlette.applications import Starlette
from test_rewrite_browser import FILES

import panes

MOUNTED = {
    **FILES,
    "middleware.py": """
from panes import rewrite

async def middleware(request, call_next, pathname):
    if pathname == "/en" or pathname.startswith("/en/"):
        return await call_next(request)
    return await call_next(rewrite(request, "/en" + pathname))
""",
    "[locale]/page.py": """
from markupsafe import Markup
from panes import href

def page(params):
    return Markup(f'<a id="foo" href="{href("/foo/p/1")}">Foo</a>'
                  f' <span id="locale">{params["locale"]}</span>')
""",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app_dir = write_app(tmp_path_factory.mktemp("mounted") / "app", MOUNTED)
    with LiveServer(Starlette(routes=[panes.Mount("/shop", panes.App(app_dir))])) as live:
        yield live


def test_an_interception_through_middleware_under_a_mount(page, server):
    start(page, server, "/shop")
    assert page.text_content("#locale") == "en"
    for _ in range(2):
        page.click("#foo")
        page.wait_for_function("document.querySelector('#modal').textContent"
                               ".startsWith('intercepted foo 1')")
        assert page.evaluate("location.pathname") == "/shop/foo/p/1"
        page.go_back()
        page.wait_for_function("document.querySelector('#modal').textContent === 'default'")
        assert page.evaluate("location.pathname") == "/shop"
    assert same_document(page)
    page.click("#foo")
    page.wait_for_function("document.querySelector('#modal').textContent"
                           ".startsWith('intercepted foo 1')")
    page.reload()
    page.wait_for_selector("#children")
    assert page.text_content("#children") == "not intercepted foo 1"
    page.go_back()
    page.wait_for_function("document.querySelector('#children').textContent.startsWith('Foo')")
    assert page.evaluate("location.pathname") == "/shop"
