"""Widgets beside parallel routes, in Chromium: the client lifecycle (panes:load, panes:unload,
panes:before-navigate, panes:navigate), inline scripts, the pending state, focus, GET forms, the
root layout's attributes and aria-current in the list/detail pattern."""

from __future__ import annotations

import pytest
from conftest import same_document, serving, start, write_app

# A widget registry as a library keeps one: an instance per element, made on panes:load, torn
# down on panes:unload. It records every mistake (a second instance, a missing teardown).
WIDGETS = """
window.live = new Set(); window.mistakes = []; window.loads = []; window.navigated = [];
function widgets(root) {
  return [root, ...root.querySelectorAll('[data-widget]')].filter(e => e.matches('[data-widget]'));
}
document.addEventListener('panes:load', e => {
  window.loads.push(e.target === document.body ? 'body' : e.target.localName);
  for (const el of widgets(e.target)) {
    if (window.live.has(el)) window.mistakes.push('twice: ' + el.dataset.widget);
    window.live.add(el);
  }
});
document.addEventListener('panes:unload', e => {
  if (!e.target.isConnected) window.mistakes.push('unload after it left');
  for (const el of widgets(e.target)) {
    if (!window.live.delete(el)) window.mistakes.push('never loaded: ' + el.dataset.widget);
  }
});
document.addEventListener('panes:navigate', e => window.navigated.push(e.detail.url));
"""

LAYOUT = """
from markupsafe import Markup

def layout(children, detail, modal):
    return Markup('''<!doctype html><html lang="en"><head><script>{widgets}</script></head><body>
      <nav><a id="home" href="/">home</a> <a id="new" href="/new">New</a>
        <a id="slow" href="/slow">slow</a>
        <form id="search" action="/search"><input id="q" name="q"><button id="go">Search</button></form>
      </nav>
      <main>''') + children + Markup('</main><aside>') + detail + Markup('</aside>') + modal + Markup(
      '</body></html>')
"""

LIST = """
from markupsafe import Markup

def {kind}():
    return Markup(
        '<ul data-widget="list">'
        '<li><a id="item-1" href="/items/1">one</a></li><li><a id="item-2" href="/items/2">two</a></li>'
        '</ul><input id="note">')
"""

DETAIL = """
import asyncio
from markupsafe import Markup

async def page(params):
    await asyncio.sleep(0.2)
    n = params["id"]
    return Markup(f'<section id="detail" data-widget="detail-{n}">item {n}'
                  f'<script>window.runs = window.runs || {{}}; window.runs[{n}] = (window.runs[{n}] || 0) + 1'
                  '</script></section>')
"""

ACTION_PAGE = """
import asyncio
from markupsafe import Markup, escape

posts = []

def page(action_result=None):
    said = f'<p id="said">said {escape(action_result)}</p>' if action_result else ''
    return Markup(
        '<form id="say" method="post" data-widget="form"><input id="text" name="text">'
        f'<button id="send">Send</button></form>{said}<input id="note">')

async def action(form):
    posts.append(str(form.get("text")))
    await asyncio.sleep(0.8)
    return f"{form.get('text')} ({len(posts)})"
"""

MODAL = """
from markupsafe import Markup

def page():
    return Markup('<dialog open id="modal" data-panes-dismiss data-widget="modal">'
                  '<input id="title" autofocus><button id="close" data-panes-dismiss>Close</button>'
                  '</dialog>')
"""

SLOW = """
import asyncio

async def page():
    await asyncio.sleep(1.2)
    return "slow page"
"""

SEARCH = """
from markupsafe import Markup, escape

def page(search_params):
    return Markup(f'<p id="results">results for {escape(search_params.get("q", ""))}</p>')
"""

FILES = {
    "layout.py": LAYOUT.replace("{widgets}", WIDGETS.replace("\\", "\\\\")),
    "page.py": ACTION_PAGE,
    "default.py": LIST.replace("{kind}", "default"),
    "items/page.py": LIST.replace("{kind}", "page"),
    "search/page.py": SEARCH,
    "slow/page.py": SLOW,
    "new/page.py": "def page():\n    return 'the full new page'\n",
    "@detail/default.py": "from markupsafe import Markup\n\ndef default():\n"
                          "    return Markup('<p data-widget=\"none\">nothing open</p>')\n",
    "@detail/items/[id]/loading.py": "def loading():\n    return 'loading item'\n",
    "@detail/items/[id]/page.py": DETAIL,
    "@modal/default.py": "STICKY = False\n\ndef default():\n    return None\n",
    "@modal/(.)new/page.py": MODAL,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serving(write_app(tmp_path_factory.mktemp("widgets") / "app", FILES)) as live:
        yield live


@pytest.fixture
def errors(page):
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if m.type == "error"
            and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: found.append(str(e)))
    return found


def one_live_instance_each(page) -> None:
    """Every widget element in the document has exactly one live instance, and no other is live."""
    report = page.evaluate("""() => ({
        mistakes: window.mistakes,
        stale: [...window.live].filter(e => !e.isConnected).map(e => e.dataset.widget),
        missing: [...document.querySelectorAll('[data-widget]')].filter(e => !window.live.has(e))
                   .map(e => e.dataset.widget)})""")
    assert report == {"mistakes": [], "stale": [], "missing": []}


def settled(page, url: str) -> None:
    page.wait_for_function("u => location.href === u && !document.documentElement"
                           ".hasAttribute('data-panes-pending')", arg=url)


def test_one_live_instance_per_element_through_every_kind_of_swap(page, site, errors):
    start(page, site, "/items")
    assert page.evaluate("window.loads") == ["body"]  # a hard load: once, on the body
    one_live_instance_each(page)
    page.click("#item-1")  # soft navigation, streamed: the loading UI, then the fill
    page.wait_for_selector("#detail[data-widget='detail-1']")
    settled(page, site.url + "/items/1")
    one_live_instance_each(page)
    page.click("#item-2")
    page.wait_for_selector("#detail[data-widget='detail-2']")
    one_live_instance_each(page)
    page.go_back()  # kept DOM comes back
    page.wait_for_selector("#detail[data-widget='detail-1']")
    one_live_instance_each(page)
    page.go_forward()
    page.wait_for_selector("#detail[data-widget='detail-2']")
    one_live_instance_each(page)
    page.evaluate("window.panes.refresh()")  # everything again
    settled(page, site.url + "/items/2")
    one_live_instance_each(page)
    page.click("#new")  # a modal opens, and closes with Escape
    page.wait_for_selector("#modal")
    one_live_instance_each(page)
    page.keyboard.press("Escape")
    page.wait_for_selector("#modal", state="detached")
    one_live_instance_each(page)
    page.click("#home")  # an action's swap
    page.wait_for_selector("#say")
    page.fill("#text", "hi")
    page.click("#send")
    page.wait_for_selector("#said")
    one_live_instance_each(page)
    assert same_document(page)
    assert errors == []


def test_inline_scripts_run_when_content_enters_not_when_kept_dom_comes_back(page, site):
    start(page, site, "/items")
    page.click("#item-1")
    page.wait_for_selector("#detail[data-widget='detail-1']")
    page.click("#item-2")
    page.wait_for_selector("#detail[data-widget='detail-2']")
    assert page.evaluate("window.runs") == {"1": 1, "2": 1}
    page.go_back()
    page.wait_for_selector("#detail[data-widget='detail-1']")
    page.go_forward()
    page.wait_for_selector("#detail[data-widget='detail-2']")
    assert page.evaluate("window.runs") == {"1": 1, "2": 1}


def test_before_navigate_cancels_and_navigate_reports_the_url(page, site):
    start(page, site, "/items")
    page.evaluate("""document.addEventListener('panes:before-navigate', e => {
        window.asked = e.detail.url; if (e.detail.url.endsWith('/items/2')) e.preventDefault(); })""")
    page.click("#item-2")
    page.wait_for_function("window.asked !== undefined")
    page.wait_for_timeout(300)
    assert page.url == site.url + "/items" and page.locator("#detail").count() == 0
    page.evaluate("window.panes.push('/items/1')")
    page.wait_for_selector("#detail[data-widget='detail-1']")
    assert page.evaluate("window.navigated") == [site.url + "/items/1"]
    page.go_back()
    page.wait_for_function("window.navigated.length === 2")
    assert page.evaluate("window.navigated[1]") == site.url + "/items"
    assert same_document(page)


def test_pending_state_and_a_progress_bar_while_a_navigation_is_on_its_way(page, site):
    start(page, site, "/items")
    assert page.evaluate("document.documentElement.hasAttribute('data-panes-pending')") is False
    page.click("#slow")
    page.wait_for_timeout(700)  # the wait is noticeable now: the bar shows
    assert page.evaluate("document.documentElement.hasAttribute('data-panes-pending')")
    bar = page.locator(".panes-progress")
    assert bar.evaluate("e => e.getBoundingClientRect().width") > 0
    assert bar.evaluate("e => getComputedStyle(e).position") == "fixed"
    page.wait_for_selector("text=slow page")
    settled(page, site.url + "/slow")
    page.wait_for_timeout(100)
    assert bar.evaluate("e => e.getBoundingClientRect().width") == 0
    # a page's CSS turns it off
    page.add_style_tag(content=".panes-progress { display: none }")
    page.click("#home")
    page.wait_for_selector("#say")
    page.click("#slow")
    page.wait_for_timeout(700)
    assert bar.evaluate("e => getComputedStyle(e).display") == "none"


def test_text_typed_while_a_post_is_on_its_way_stays_and_a_changed_submit_is_sent(page, site):
    start(page, site)
    page.fill("#text", "first")
    page.click("#send")
    page.wait_for_function("document.querySelector('#say').getAttribute('aria-busy') === 'true'")
    assert page.evaluate("document.documentElement.hasAttribute('data-panes-pending')")
    page.fill("#text", "second")  # typed while the post is on its way
    page.fill("#note", "a note")
    page.click("#send")  # changed data: posted once the first answer is in
    page.wait_for_selector("#said:has-text('said first')")
    assert page.input_value("#text") == "second"
    assert page.input_value("#note") == "a note"
    page.wait_for_selector("#said:has-text('said second')")
    page.wait_for_function("!document.querySelector('#say').hasAttribute('aria-busy')")
    assert same_document(page)


def test_autofocus_after_a_soft_navigation_and_focus_back_to_the_opener(page, site):
    start(page, site, "/items")
    for close in ("Escape", "button", "back"):
        page.focus("#new")
        page.keyboard.press("Enter")
        page.wait_for_selector("#modal")
        page.wait_for_function("document.activeElement.id === 'title'")
        if close == "Escape":
            page.keyboard.press("Escape")
        elif close == "button":
            page.click("#close")
        else:
            page.go_back()
        page.wait_for_selector("#modal", state="detached")
        page.wait_for_function("document.activeElement.id === 'new'")
        assert page.url == site.url + "/items"
    assert same_document(page)


def test_a_get_form_is_a_soft_navigation_that_keeps_the_other_slots(page, site):
    start(page, site, "/items")
    page.click("#item-1")
    page.wait_for_selector("#detail[data-widget='detail-1']")
    page.fill("#q", "red & blue")
    page.click("#go")
    page.wait_for_selector("#results:has-text('results for red & blue')")
    assert page.url == site.url + "/search?q=red+%26+blue"
    assert page.locator("#detail[data-widget='detail-1']").count() == 1  # @detail kept its DOM
    assert page.input_value("#q") == "red & blue"
    assert same_document(page)
    page.go_back()
    page.wait_for_selector("#item-1")
    assert page.url == site.url + "/items/1"


def test_aria_current_marks_the_open_item_of_a_list_beside_its_detail(page, site):
    def current():
        return page.evaluate("[...document.querySelectorAll('main a[aria-current=page]')].map(a => a.id)")

    start(page, site, "/items")
    assert current() == []
    page.click("#item-1")
    page.wait_for_selector("#detail[data-widget='detail-1']")
    assert current() == ["item-1"]
    page.click("#item-2")
    page.wait_for_selector("#detail[data-widget='detail-2']")
    assert current() == ["item-2"]
    start(page, site, "/items/1")  # a hard load: the list is children's default
    assert current() == ["item-1"]
    page.click("#item-2")
    page.wait_for_selector("#detail[data-widget='detail-2']")
    assert current() == ["item-2"]


ROOT_ATTRIBUTES = {
    "layout.py": """
from pathlib import Path
from markupsafe import Markup

def layout(children):
    theme = (Path(__file__).parent / "theme.txt").read_text().strip()
    lang = "fr" if theme == "dark" else "en"
    return Markup(f'<html lang="{lang}" class="{theme}"><head><script>') + WIDGETS \\
        + Markup(f'</script></head><body class="on-{theme}"><p data-widget="root">{theme}</p>') \\
        + children + Markup('</body></html>')

WIDGETS = Markup(\'\'\'{widgets}\'\'\')
""".replace("{widgets}", WIDGETS),
    "page.py": """
from pathlib import Path
from markupsafe import Markup

THEME = Path(__file__).parent / "theme.txt"

def page():
    return Markup('<form method="post"><button id="toggle">toggle</button></form>'
                  '<input id="kept" data-widget="kept">')

def action():
    THEME.write_text("dark" if THEME.read_text().strip() == "light" else "light")
""",
}


def test_the_root_layouts_html_and_body_attributes_follow_actions_and_refresh(page, tmp_path):
    app_dir = write_app(tmp_path / "app", ROOT_ATTRIBUTES)
    (app_dir / "theme.txt").write_text("light")
    with serving(app_dir) as live:
        start(page, live)
        root = "[document.documentElement.className, document.documentElement.lang, document.body.className]"
        assert page.evaluate(root) == ["light", "en", "on-light"]
        page.fill("#kept", "typed")
        page.click("#toggle")
        page.wait_for_function("document.documentElement.className === 'dark'")
        assert page.evaluate(root) == ["dark", "fr", "on-dark"]
        assert page.input_value("#kept") == "typed"  # the page's region kept its DOM
        one_live_instance_each(page)  # the document's swap, with a kept region inside
        (app_dir / "theme.txt").write_text("light")  # changed on the server: refresh() shows it
        page.evaluate("window.panes.refresh()")
        page.wait_for_function("document.documentElement.className === 'light'")
        assert page.evaluate(root) == ["light", "en", "on-light"]
        assert same_document(page)


DEV_FILES = {
    "layout.py": """
from markupsafe import Markup

def layout(children, team):
    return Markup('''<html><head><script>{widgets}</script></head><body><main>''') + children \\
        + Markup('</main><aside>') + team + Markup('</aside></body></html>')
""".replace("{widgets}", WIDGETS),
    "page.py": "from markupsafe import Markup\n\ndef page():\n"
               "    return Markup('<p data-widget=\"page-1\">v1</p>')\n",
    "@team/page.py": "from markupsafe import Markup\n\ndef page():\n"
                     "    return Markup('<p data-widget=\"team\">team</p>')\n",
}


def test_a_live_reload_unloads_what_it_replaces_and_loads_what_it_brings(browser, tmp_path):
    from test_serve import panes

    write_app(tmp_path / "app", DEV_FILES)
    with panes("dev", "app", cwd=tmp_path) as (url, _):
        page = browser.new_page()
        try:
            page.goto(url + "/")
            page.wait_for_function("window.panes !== undefined && window.panesDev !== undefined")
            page.evaluate("window.team = document.querySelector('[data-widget=team]')")
            page.wait_for_timeout(500)  # the dev script's stream is open
            (tmp_path / "app" / "page.py").write_text(
                DEV_FILES["page.py"].replace("page-1", "page-2").replace("v1", "v2"))
            page.wait_for_selector("[data-widget='page-2']", timeout=5000)
            one_live_instance_each(page)
            assert page.evaluate("window.loads") == ["body", "p"]
            assert page.evaluate("window.team === document.querySelector('[data-widget=team]')")
        finally:
            page.close()
