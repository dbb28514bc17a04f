"""Multiple root layouts: route groups that each write ``<html>`` in their ``layout.py`` (no
``app/layout.py``) are each the document of their pages, as in Next.js; a navigation between
them is a full page load; ``panes check`` accepts that and names the ambiguous cases."""

from __future__ import annotations

import re

import pytest
from conftest import same_document, serving, start, write_app

from panes.appdir.check import analyze
from panes.testing import Client

SHOP = """
from htpy import a, body, html, input, nav

metadata = {"title": {"template": "%s | Shop", "default": "Shop"}}

def layout(children):
    return html(lang="en", class_="shop")[body[
        nav[a("#to-cart", href="/cart")["cart"], a("#to-checkout", href="/checkout")["checkout"],
            a("#to-about", href="/about")["about"]],
        input("#shop-input"),
        children,
    ]]
"""

SITE = """
from htpy import a, body, html, main

metadata = {"title": "Site"}

def layout(children):
    return html(lang="de")[body[a("#to-cart", href="/cart")["cart"], main[children]]]
"""

FILES = {
    "(shop)/layout.py": SHOP,
    "(shop)/cart/page.py": "metadata = {'title': 'Cart'}\n\ndef page():\n    return 'the cart'\n",
    "(shop)/checkout/page.py": "from htpy import input\n\ndef page():\n"
                               "    return ['checkout', input('#page-input')]\n",
    "(site)/layout.py": SITE,
    "(site)/about/page.py": "def page():\n    return 'about us'\n",
}


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory):
    return write_app(tmp_path_factory.mktemp("roots") / "app", FILES)


def test_each_group_layout_is_the_document_of_its_pages(app_dir):
    with Client(app_dir) as client:
        cart = client.get("/cart")
    html = cart.html
    assert html.count("<html") == 1 and html.count("<body") == 1  # no document inside another
    assert re.match(r'<!doctype html><html lang="en" class="shop"><head>', html)
    assert html.index("<title>Cart | Shop</title>") < html.index("</head>")  # its own head
    assert html.rstrip().endswith("</body></html>")  # nothing of panes's outside <html>
    assert cart.title == "Cart | Shop" and cart.text("children/children") == "the cart"


def test_a_navigation_inside_a_group_is_soft_and_between_groups_a_full_load(app_dir):
    with Client(app_dir) as client:
        checkout = client.navigate("/cart", "/checkout")
        assert not checkout.hard and checkout.changed == ("children/children",)
        assert checkout.title == "Shop" and "checkout" in checkout.text("children/children")
        about = checkout.navigate("/about")
        assert about.hard  # the server answered with a full page load
        assert about.title == "Site" and '<html lang="de">' in about.html


def test_a_group_layout_that_reads_its_tab_renders_the_document_again(tmp_path):
    reads = SHOP.replace("from htpy import a, body, html, input, nav",
                         "from htpy import a, body, html, input, nav, p\n"
                         "from panes import selected_layout_segment").replace(
        "        input(", '        p("#tab")[selected_layout_segment() or "-"],\n        input(')
    with Client(write_app(tmp_path / "app", {**FILES, "(shop)/layout.py": reads})) as client:
        checkout = client.navigate("/cart", "/checkout")
    assert not checkout.hard and checkout.changed == ("",)  # its document, as a root layout's
    assert '<p id="tab">checkout</p>' in checkout.html and checkout.html.count("<html") == 1


def test_check_accepts_multiple_root_layouts(app_dir):
    assert analyze(app_dir).problems == ()


@pytest.mark.parametrize(("extra", "path", "words"), [
    # a page with no root layout above it, while the others have one
    ({"page.py": "def page():\n    return 'home'\n"}, "app/page.py",
     ["no root layout is above it", "app/(shop)/layout.py", "move it into a route group"]),
    ({"loose/page.py": "def page():\n    return 'x'\n"}, "app/loose/page.py",
     ["no root layout is above it", "/loose"]),
    # a layout writing <html> inside another's document
    ({"(shop)/cart/layout.py": "from htpy import body, html\n\ndef layout(children):\n"
                               "    return html[body[children]]\n"},
     "app/(shop)/cart/layout.py", ["writes <html>", "app/(shop)/layout.py", "second <html>"]),
    ({"layout.py": "from markupsafe import Markup\n\ndef layout(children):\n"
                   "    return Markup('<html><body>{}</body></html>').format(children)\n"},
     "app/(shop)/layout.py", ["writes <html>", "app/layout.py", "multiple root layouts"]),
    # a root template.py or loading.py would wrap the documents from outside
    ({"template.py": "def template(children):\n    return children\n"}, "app/template.py",
     ["wrap the documents", "app/(shop)/layout.py", "move it into each route group"]),
    ({"loading.py": "def loading():\n    return 'loading'\n"}, "app/loading.py",
     ["wrap the documents", "beside its root layout"]),
])
def test_check_rejects_ambiguous_root_layouts(tmp_path, extra, path, words):
    problems = analyze(write_app(tmp_path / "app", {**FILES, **extra})).errors
    assert problems and problems[0].path == path
    text = f"{problems[0].message} {problems[0].fix}"
    assert all(word in text for word in words), text


def test_plain_layouts_without_a_root_layout_stay_allowed(tmp_path):
    # no layout writes the document: panes's own document holds every page, as before
    files = {"page.py": "def page():\n    return 'home'\n", "shop/layout.py": "",
             "shop/page.py": ""}
    assert analyze(write_app(tmp_path / "app", files)).problems == ()


def test_in_the_browser(page, app_dir):
    with serving(app_dir) as live:
        start(page, live, "/cart")
        assert page.evaluate("document.documentElement.className") == "shop"
        assert page.title() == "Cart | Shop"
        page.fill("#shop-input", "kept")
        # inside the group: a soft navigation, typed text in the layout kept
        page.click("#to-checkout")
        page.wait_for_selector("#page-input")
        assert same_document(page) and page.input_value("#shop-input") == "kept"
        assert page.title() == "Shop"
        page.fill("#page-input", "typed")
        page.evaluate("panes.refresh()")  # nothing changed: nothing swapped
        assert page.input_value("#page-input") == "typed"
        # to the other group: a full page load of its own document
        page.click("#to-about")
        page.wait_for_selector("main")
        assert not same_document(page) and page.url == live.url + "/about"
        assert page.evaluate("document.documentElement.lang") == "de"
        assert page.title() == "Site" and page.text_content("main") == "about us"
        page.go_back()
        page.wait_for_selector("#page-input")
        assert page.evaluate("document.documentElement.lang") == "en"
