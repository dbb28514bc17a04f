"""Intercepting routes and modals in a real headless Chromium: the gallery and fixture apps."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import same_document, serving, start, write_app

GALLERY = Path(__file__).resolve().parent.parent / "examples" / "gallery" / "app"


@pytest.fixture(scope="module")
def gallery():
    with serving(GALLERY) as live:
        yield live


def modal_open(page) -> bool:
    return page.locator("dialog[data-modal][open]").count() == 1


def wait_modal(page, text):
    page.wait_for_function(
        "t => { const d = document.querySelector('dialog[data-modal][open]');"
        " return d && d.textContent.includes(t); }", arg=text)


def wait_closed(page):
    page.wait_for_function("!document.querySelector('dialog[data-modal]')")


def test_a_click_opens_the_modal_over_the_page(page, gallery):
    start(page, gallery)
    page.click("#photo-1")
    wait_modal(page, "Sunrise over the bay")
    assert page.url == gallery.url + "/photos/1"
    assert page.locator("#photo-6").count() == 1  # the grid is still behind it
    assert same_document(page)


def test_open_reload_back_forward_reload(page, gallery):
    start(page, gallery)
    page.click("#photo-3")
    wait_modal(page, "Glacier lake")
    page.reload()  # the full photo page: no modal, no grid
    page.wait_for_selector("h2:has-text('Glacier lake')")
    assert not modal_open(page) and page.locator("#photo-1").count() == 0
    page.go_back()
    page.wait_for_selector("#photo-1")
    assert page.url == gallery.url + "/" and not modal_open(page)
    page.go_forward()  # the entry shows what it showed last: the reloaded full page
    page.wait_for_selector("h2:has-text('Glacier lake')")
    assert not modal_open(page) and page.locator("#photo-1").count() == 0
    page.reload()
    page.wait_for_selector("h2:has-text('Glacier lake')")
    assert not modal_open(page)
    page.go_back()
    page.wait_for_selector("#photo-1")
    page.click("#photo-3")  # and the modal still opens
    wait_modal(page, "Glacier lake")


def test_back_closes_and_forward_reopens(page, gallery):
    start(page, gallery)
    page.click("#photo-2")
    wait_modal(page, "Pine forest")
    page.go_back()
    wait_closed(page)
    assert page.url == gallery.url + "/"
    page.go_forward()
    wait_modal(page, "Pine forest")
    assert same_document(page)


def test_two_modals_in_sequence_keep_the_background(page, gallery):
    start(page, gallery)
    page.click("#photo-1")
    wait_modal(page, "Sunrise over the bay")
    page.click("#modal-next")  # photo 2 from photo 1's modal: intercepted again
    wait_modal(page, "Pine forest")
    assert page.url == gallery.url + "/photos/2"
    assert page.locator("#photo-6").count() == 1
    page.go_back()
    wait_modal(page, "Sunrise over the bay")
    page.go_back()
    wait_closed(page)
    assert same_document(page)


def test_a_modal_opened_from_a_nested_page(page, gallery):
    start(page, gallery, "/about/team")
    page.click("#fav-5")
    wait_modal(page, "Night city")
    assert page.text_content("h1") == "Favourites"


def test_escape_and_the_close_button_go_back(page, gallery):
    start(page, gallery)
    page.click("#photo-4")
    wait_modal(page, "Desert dunes")
    page.keyboard.press("Escape")
    wait_closed(page)
    assert page.url == gallery.url + "/"
    page.click("#photo-4")
    wait_modal(page, "Desert dunes")
    page.click("dialog .close")
    wait_closed(page)
    assert page.url == gallery.url + "/"


def test_navigating_elsewhere_closes_both_kinds_of_modal(page, gallery):
    start(page, gallery)
    page.click("#photo-1")
    wait_modal(page, "Sunrise")
    page.evaluate("window.panes.push('/about')")  # @modal: STICKY = False
    wait_closed(page)
    assert page.text_content("h1") == "About"
    page.click("#nav-login")
    wait_modal(page, "Log in")
    page.evaluate("window.panes.push('/')")  # @auth: the Next.js way, a catch-all rendering nothing
    wait_closed(page)
    assert page.text_content("h1") == "Photos"
    assert same_document(page)


def test_a_form_post_from_the_modal_redirects_and_closes_it(page, gallery):
    start(page, gallery, "/about")
    page.click("#nav-login")
    wait_modal(page, "Log in")
    page.click("dialog button.primary")
    wait_closed(page)
    page.wait_for_function("location.pathname === '/'")
    assert page.text_content("h1") == "Photos"
    assert same_document(page)


def test_the_login_page_without_javascript_posts_and_redirects(browser, gallery):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(gallery.url + "/login")
    page.click("button.primary")
    page.wait_for_url(gallery.url + "/")
    assert page.text_content("h1") == "Photos"
    context.close()


def test_refresh_keeps_the_modal_open(page, gallery):
    start(page, gallery)
    page.click("#photo-6")
    wait_modal(page, "Lavender field")
    page.evaluate("window.panes.refresh()")
    wait_modal(page, "Lavender field")
    assert page.locator("#photo-1").count() == 1
    assert page.url == gallery.url + "/photos/6"


# -- fixture apps -----------------------------------------------------------------------------

FIXTURE = {
    "layout.py": """
from markupsafe import Markup

def layout(children, modal):
    return Markup("<html><body><main>{}</main><div id='modal'>{}</div></body></html>").format(children, modal)
""",
    "@modal/default.py": "STICKY = False\n\ndef default():\n    return None\n",
    "@modal/(.)pics/[id]/page.py": "def page(params):\n    return 'modal pic ' + params['id']\n",
    "pics/[id]/page.py": "def page(params):\n    return 'full pic ' + params['id']\n",
    # a root optional catch-all: Next.js has no way to close a modal here; STICKY = False does
    "[[...slug]]/page.py": """
from markupsafe import Markup

def page(params):
    links = "".join(f'<a id="to-{i}" href="/pics/{i}">pic {i}</a> ' for i in (1, 2))
    return Markup(f'<p id="where">catch-all {"/".join(params["slug"])}</p>{links}<a id="to-other" href="/somewhere/else">else</a>')
""",
    # without a slot, an interception replaces the children content
    "feed/layout.py": "from markupsafe import Markup\n\ndef layout(children):\n    return Markup('<section id=\"feed\">') + children + Markup('</section>')\n",
    "feed/page.py": "from markupsafe import Markup\n\ndef page():\n    return Markup('<p id=\"feed-page\">feed</p><a id=\"feed-photo\" href=\"/feed/photos/7\">photo</a>')\n",
    "feed/photos/[id]/page.py": "def page(params):\n    return 'full feed photo ' + params['id']\n",
    "feed/(.)photos/[id]/page.py": "def page(params):\n    return 'inline feed photo ' + params['id']\n",
    # a sibling dynamic interception: @panel/(.)[id] beside [id]
    "items/layout.py": "from markupsafe import Markup\n\ndef layout(children, panel):\n    return children + Markup('<aside id=\"panel\">') + panel + Markup('</aside>')\n",
    "items/page.py": "from markupsafe import Markup\n\ndef page():\n    return Markup('<p id=\"items\">items</p><a id=\"item-4\" href=\"/items/4\">4</a>')\n",
    "items/[id]/page.py": "def page(params):\n    return 'full item ' + params['id']\n",
    "items/@panel/default.py": "def default():\n    return None\n",
    "items/@panel/(.)[id]/page.py": "def page(params):\n    return 'panel item ' + params['id']\n",
}


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    with serving(write_app(tmp_path_factory.mktemp("intercept") / "app", FIXTURE)) as live:
        yield live


def test_sticky_false_closes_a_modal_beside_a_root_optional_catch_all(page, fixture):
    start(page, fixture, "/start")
    page.click("#to-1")
    page.wait_for_function("document.querySelector('#modal').textContent === 'modal pic 1'")
    assert page.text_content("#where") == "catch-all start"
    page.click("#to-other")
    page.wait_for_function("document.querySelector('#where').textContent === 'catch-all somewhere/else'")
    assert page.text_content("#modal") == ""
    assert same_document(page)


def test_an_interception_without_a_slot_replaces_the_children(page, fixture):
    start(page, fixture, "/feed")
    page.click("#feed-photo")
    page.wait_for_function("document.querySelector('#feed').textContent === 'inline feed photo 7'")
    assert page.url == fixture.url + "/feed/photos/7"
    page.reload()
    assert page.text_content("#feed") == "full feed photo 7"


def test_a_sibling_dynamic_interception(page, fixture):
    start(page, fixture, "/items")
    page.click("#item-4")
    page.wait_for_function("document.querySelector('#panel').textContent === 'panel item 4'")
    assert page.text_content("#items") == "items"  # the list stays
    page.reload()
    assert "full item 4" in page.text_content("body")
    assert page.text_content("#panel") == ""
