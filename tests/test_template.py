"""``template.py``: a layout whose subtree gets new DOM on every navigation below it."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import serving, start, write_app

from panes import App, protocol
from panes.check import analyze
from panes.resolve import resolve_navigation

LAYOUT = """
    from markupsafe import Markup

    def layout(children):
        return Markup('<html><body><input id="outer">{}</body></html>').format(children)
"""

FILES = {
    "layout.py": LAYOUT,
    "page.py": "def page():\n    return 'home'\n",
    # a template with a slot of its own, inside the folder's layout
    "shop/layout.py": "from markupsafe import Markup\n\ndef layout(children):\n"
                      "    return Markup('<section>{}</section>').format(children)\n",
    "shop/template.py": """
        from markupsafe import Markup

        def template(children, side):
            return Markup('<div class="t"><input id="inner">{}<aside>{}</aside></div>').format(
                children, side)
    """,
    "shop/a/page.py": "def page():\n    return 'A'\n",
    "shop/b/page.py": "def page():\n    return 'B'\n",
    "shop/b/c/page.py": "def page():\n    return 'C'\n",
    "shop/@side/a/page.py": "def page():\n    return 'side of A'\n",
    "shop/@side/default.py": "def default():\n    return 'side default'\n",
    # the same pages under a plain layout: only the page changes
    "plain/layout.py": "from markupsafe import Markup\n\ndef layout(children):\n"
                       "    return Markup('<div><input id=\"kept\">{}</div>').format(children)\n",
    "plain/a/page.py": "def page():\n    return 'A'\n",
    "plain/b/page.py": "def page():\n    return 'B'\n",
    # a template alone, with loading and error boundaries inside it
    "solo/template.py": "from markupsafe import Markup\n\ndef template(children):\n"
                        "    return Markup('<div class=\"solo\">{}</div>').format(children)\n",
    "solo/loading.py": "def loading():\n    return 'loading'\n",
    "solo/error.py": "def error(error):\n    return 'caught: ' + str(error)\n",
    "solo/ok/page.py": "import asyncio\n\nasync def page():\n    await asyncio.sleep(0.05)\n"
                       "    return 'ok'\n",
    "solo/fails/page.py": "def page():\n    raise ValueError('broken')\n",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return App(write_app(tmp_path_factory.mktemp("template") / "app", FILES))


def state(app: App, url: str) -> protocol.State:
    """What the browser holds after a hard load of ``url``."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    async def load() -> str:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get(url)).text

    import asyncio
    html = asyncio.run(load())
    text = re.search(r'id="panes-state">([^<]*)</script>', html).group(1)
    return protocol.decode(text, app.key, protocol.binding({}, "", app.key))


@pytest.mark.parametrize(("origin", "target", "expected"), [
    # between the template's children: its region renders again, nothing below it is kept
    # (except a slot the new URL has nothing for: sticky, it keeps what it shows)
    ("/shop/a", "/shop/b", "relayout children=shop/layout.py; keep children/side"),
    ("/shop/b", "/shop/b/c", "relayout children=shop/layout.py; keep children/side"),
    ("/shop/b", "/shop/b?x=1", "relayout children=shop/layout.py; keep children/side"),
    ("/shop/a", "/shop/a?x=1", "relayout children=shop/layout.py"),
    # into the template from outside: the region renders anyway
    ("/", "/shop/a", "render children=shop/layout.py"),
    # no template: only the page changes
    ("/plain/a", "/plain/b", "render children/children=plain/b/page.py"),
    # a template alone is a region of its own
    ("/solo/ok", "/solo/fails", "relayout children=solo"),
])
def test_resolution(app, origin, target, expected):
    assert resolve_navigation(app.model, state(app, origin), target).describe() == expected


def test_check_knows_the_slots_a_template_places(tmp_path):
    analysis = analyze(write_app(tmp_path / "app", FILES))
    assert analysis.problems == ()


def test_the_template_renders_inside_its_layout_around_its_slots(app):
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    async def load(url: str) -> str:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get(url)).text

    import asyncio
    html = re.sub(r"<!--/?panes:[^>]*-->", "", asyncio.run(load("/shop/a")))
    assert '<section><div class="t"><input id="inner">A<aside>side of A</aside></div></section>' \
        in html
    failed = re.sub(r"<!--/?panes:[^>]*-->", "", asyncio.run(load("/solo/fails")))
    # the loading and error boundaries are inside the template
    assert '<div class="solo">loading</div>' in failed
    assert '<div data-panes-fill="children/children">caught: ' in failed


def test_loading_streams_inside_the_template(tmp_path):
    with serving(write_app(tmp_path / "app", FILES)) as live, httpx.Client(headers={"accept-encoding": "identity"}) as client, \
            client.stream("GET", live.url + "/solo/ok") as response:
        first = next(response.iter_raw()).decode()
    assert re.search(r'<div class="solo"><!--panes:[^>]*-->loading', first), first


def test_input_inside_a_template_resets_and_inside_a_layout_survives(browser, tmp_path):
    with serving(write_app(tmp_path / "app", FILES)) as live:
        page = browser.new_page()
        try:
            start(page, live, "/shop/a")
            page.fill("#outer", "kept above")
            page.fill("#inner", "typed in the template")
            page.evaluate("panes.push('/shop/b')")
            page.wait_for_function("document.querySelector('.t').textContent.startsWith('B')")
            assert page.evaluate("window.marker") == "same document"
            assert page.input_value("#outer") == "kept above"
            assert page.input_value("#inner") == ""  # new DOM
            # the same input in a layout (no template) survives a navigation between its pages
            page.evaluate("panes.push('/plain/a')")
            page.wait_for_selector("#kept")
            page.fill("#kept", "still here")
            page.evaluate("panes.push('/plain/b')")
            page.wait_for_function("document.querySelector('#kept').parentNode.textContent == 'B'")
            assert page.input_value("#kept") == "still here"
            assert page.input_value("#outer") == "kept above"
        finally:
            page.close()
