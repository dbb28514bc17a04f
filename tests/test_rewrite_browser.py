"""Issue 15 item 4: a middleware rewrites every URL below a locale (Next.js's
``interception-dynamic-segment-middleware`` app), and interceptions work from there. panes's own
redirects apply to the browser's URL; the URL after Back is the one the browser showed."""

from __future__ import annotations

import json

import httpx
import pytest
from conftest import same_document, serving, start, write_app

FILES = {
    "layout.py": """
from markupsafe import Markup

def layout(children):
    return Markup('<html><body>') + children + Markup('</body></html>')
""",
    "middleware.py": """
from panes import rewrite

async def middleware(request, call_next):
    path = request.url.path
    if path == "/en" or path.startswith("/en/"):
        return await call_next(request)
    return await call_next(rewrite(request, "/en" + path))   # / becomes /en/
""",
    "[locale]/layout.py": """
from markupsafe import Markup

def layout(children, modal):
    return (Markup('<div id="children">') + children + Markup('</div><div id="modal">')
            + modal + Markup('</div>'))
""",
    "[locale]/page.py": """
from markupsafe import Markup

def page(params):
    return Markup('<a id="foo" href="/foo/p/1">Foo</a> <a id="bar" href="/bar/p/2">Bar</a>'
                  f' <span id="locale">{params["locale"]}</span>')
""",
    "[locale]/[username]/p/[id]/page.py":
        "def page(params):\n    return f\"not intercepted {params['username']} {params['id']}\"\n",
    "[locale]/@modal/default.py": "STICKY = False\n\ndef default():\n    return 'default'\n",
    "[locale]/@modal/(.)[username]/p/[id]/page.py": """
from markupsafe import Markup

def page(params):
    return Markup(f'intercepted {params["username"]} {params["id"]} '
                  '<a id="next" href="/baz/p/3">next</a>')
""",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app_dir = write_app(tmp_path_factory.mktemp("locale") / "app", FILES)
    with serving(app_dir) as live:
        yield live


def test_the_rewritten_root_is_no_redirect(server):
    r = httpx.get(server.url + "/", follow_redirects=False)
    assert r.status_code == 200 and '<span id="locale">en</span>' in r.text
    slash = httpx.get(server.url + "/foo/p/1/?x=1", follow_redirects=False)
    assert slash.status_code == 308 and slash.headers["location"] == "/foo/p/1?x=1"


def test_a_soft_navigation_answers_with_the_browser_url(server):
    html = httpx.get(server.url + "/").text
    state = json.loads(html.split('id="panes-state">', 1)[1].split("</script>", 1)[0])
    assert state["url"] == "/" and state["base"] == "/en"  # what the app rendered
    r = httpx.get(server.url + "/foo/p/1", headers={"panes-state": json.dumps(state)})
    head = json.loads(r.text.splitlines()[0])
    assert head["t"] == "patch" and head["url"] == "/foo/p/1"
    assert "intercepted foo 1" in r.text


def test_intercepts_from_a_rewritten_url_and_back_is_the_browser_url(page, server):
    start(page, server, "/")
    for _ in range(3):  # several times in a row, as Next.js's test does
        page.click("#foo")
        page.wait_for_function("document.querySelector('#modal').textContent"
                               ".startsWith('intercepted foo 1')")
        assert page.evaluate("location.pathname") == "/foo/p/1"
        assert page.text_content("#locale") == "en"  # the page below stays
        page.go_back()
        page.wait_for_function("document.querySelector('#modal').textContent === 'default'")
        assert page.evaluate("location.pathname") == "/"
    page.click("#bar")
    page.wait_for_function("document.querySelector('#modal').textContent"
                           ".startsWith('intercepted bar 2')")
    page.click("#next")  # from the modal, intercepted again
    page.wait_for_function("document.querySelector('#modal').textContent"
                           ".startsWith('intercepted baz 3')")
    assert page.evaluate("location.pathname") == "/baz/p/3"
    assert same_document(page)
    page.reload()
    page.wait_for_selector("#children")
    assert page.text_content("#children") == "not intercepted baz 3"
    assert page.text_content("#modal") == "default"
