"""``template.py``: a region of its own inside its folder's layout, which gets new DOM (and so
does everything it wraps) on every navigation below it, while the layout is kept."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import serving, start, write_app

from panes import App
from panes.appdir.check import analyze
from panes.core import protocol
from panes.core.resolve import resolve_navigation

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
                      "    return Markup('<section><input id=\"shop\">{}</section>').format("
                      "children)\n",
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
    # a layout that places a slot itself, beside the template (which wraps children only)
    "mix/layout.py": "from markupsafe import Markup\n\ndef layout(children, note):\n"
                     "    return Markup('<main>{}</main><aside>{}</aside>').format(children, note)\n",
    "mix/template.py": "def template(children):\n    return children\n",
    "mix/a/page.py": "def page():\n    return 'A'\n",
    "mix/b/page.py": "def page():\n    return 'B'\n",
    "mix/@note/default.py": "def default():\n    return 'no note'\n",
    "mix/@note/a/page.py": "def page():\n    return 'note of A'\n",
    "mix/@note/c/page.py": "def page():\n    return 'note only'\n",
}

#: a root-level template: never re-renders the root layout, which counts its renders
ROOT = {
    "layout.py": "import itertools\nfrom markupsafe import Markup\n\n_renders = itertools.count(1)\n\n"
                 "def layout(children):\n    return Markup('<html><body><input id=\"root\">"
                 "<p id=\"renders\">{}</p>{}</body></html>').format(next(_renders), children)\n",
    "template.py": "from markupsafe import Markup\n\ndef template(children):\n"
                   "    return Markup('<div class=\"t\"><input id=\"inner\">{}</div>').format(children)\n",
    "page.py": "from htpy import a\n\ndef page():\n    return a('#to-b', href='/b')['b']\n",
    "b/page.py": "from htpy import a\n\ndef page():\n    return ['B', a('#to-a', href='/')['a']]\n",
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
    return protocol.verify(text, app.key, protocol.binding({}, "", app.key)).state


@pytest.mark.parametrize(("origin", "target", "expected"), [
    # between the template's children: its region renders again, nothing below it is kept
    # (except a slot the new URL has nothing for: sticky, it keeps what it shows)
    # (the layout beside the template is kept)
    ("/shop/a", "/shop/b", "render children/~template=shop/template.py; keep children/side"),
    ("/shop/b", "/shop/b/c", "render children/~template=shop/template.py; keep children/side"),
    ("/shop/b", "/shop/b?x=1", "render children/~template=shop/template.py; keep children/side"),
    ("/shop/a", "/shop/a?x=1", "render children/~template=shop/template.py"),
    # into the template from outside: the region renders anyway
    ("/", "/shop/a", "render children=shop/layout.py"),
    # no template: only the page changes
    ("/plain/a", "/plain/b", "render children/children=plain/b/page.py"),
    # a template alone is a region of its own
    ("/solo/ok", "/solo/fails", "render children/~template=solo/template.py"),
    # a slot the layout places itself is not the template's: it renders (or is kept) alone
    ("/mix/a", "/mix/b", "render children/~template=mix/template.py; keep children/note"),
    ("/mix/a", "/mix/c", "render children/note=mix/@note/c/page.py; keep children/children"),
])
def test_resolution(app, origin, target, expected):
    assert resolve_navigation(app.model, state(app, origin), target).describe() == expected


def test_a_root_template_never_renders_the_root_layout_again(tmp_path):
    app = App(write_app(tmp_path / "app", ROOT))
    assert resolve_navigation(app.model, state(app, "/"), "/b").describe() == \
        "render ~template=template.py"


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
    assert '<section><input id="shop"><div class="t"><input id="inner">A<aside>side of A</aside>' \
        '</div></section>' \
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
            page.fill("#shop", "kept beside")
            page.fill("#inner", "typed in the template")
            page.evaluate("panes.push('/shop/b')")
            page.wait_for_function("document.querySelector('.t').textContent.startsWith('B')")
            assert page.evaluate("window.marker") == "same document"
            assert page.input_value("#outer") == "kept above"
            assert page.input_value("#shop") == "kept beside"  # the template's own layout
            assert page.input_value("#inner") == ""  # new DOM
            # Back: the template's DOM as it was, the layout's kept
            page.go_back()
            page.wait_for_function("document.querySelector('.t').textContent.startsWith('A')")
            assert page.input_value("#inner") == "typed in the template"
            assert page.input_value("#shop") == "kept beside"
            page.fill("#inner", "")
            # refresh(): nothing changed, nothing swapped
            page.fill("#inner", "typed again")
            page.evaluate("panes.refresh()")
            assert page.input_value("#inner") == "typed again"
            assert page.input_value("#shop") == "kept beside"
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


def test_a_root_template_resets_and_the_root_layout_survives(browser, tmp_path):
    with serving(write_app(tmp_path / "app", ROOT)) as live:
        page = browser.new_page()
        try:
            start(page, live)
            page.fill("#root", "in the root layout")
            page.fill("#inner", "in the template")
            page.click("#to-b")
            page.wait_for_selector("#to-a")
            assert page.evaluate("window.marker") == "same document"
            assert page.input_value("#root") == "in the root layout"
            assert page.input_value("#inner") == ""
            assert page.text_content("#renders") == "1"  # the root layout did not run again
            page.click("#to-a")
            page.wait_for_selector("#to-b")
            assert page.input_value("#root") == "in the root layout"
            assert page.text_content("#renders") == "1"
        finally:
            page.close()
