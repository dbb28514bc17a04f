"""The dashboard example in a real headless Chromium: slots, tabs, streaming and errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import serving, start, write_app

DASHBOARD = Path(__file__).resolve().parent.parent / "examples" / "dashboard" / "app"


@pytest.fixture(scope="module")
def dashboard():
    with serving(DASHBOARD) as live:
        yield live


def tab(page, name):
    return page.locator(".tabs a", has_text=name)


def test_typed_settings_survive_analytics_tabs(page, dashboard):
    start(page, dashboard)
    page.locator(".sidebar a", has_text="Team settings").click()
    page.wait_for_selector("input[type=text]")
    field = page.locator("input[type=text]").first
    field.fill("Platform squad")
    tab(page, "Visitors").click()
    page.wait_for_function("location.pathname === '/visitors'")
    page.wait_for_selector("text=By country")
    assert field.input_value() == "Platform squad"
    assert page.evaluate("window.marker") == "same document"


def test_tabs_stay_highlighted_while_another_slot_navigates(page, dashboard):
    start(page, dashboard)
    tab(page, "Page views").click()
    page.wait_for_function("location.pathname === '/page-views'")
    assert tab(page, "Page views").get_attribute("aria-current") == "page"
    page.locator(".sidebar a", has_text="Team settings").click()
    page.wait_for_function("location.pathname === '/settings'")
    page.wait_for_selector("input[type=text]")
    # the analytics slot did not change: its tab is still the active one
    assert tab(page, "Page views").get_attribute("aria-current") == "page"
    assert page.locator(".sidebar a", has_text="Team settings").get_attribute("aria-current") == "page"


def test_the_slow_tab_streams_its_skeleton_while_the_rest_is_visible(browser, dashboard):
    context = browser.new_context()
    page = context.new_page()
    start_time = time.perf_counter()
    page.goto(dashboard.url + "/realtime", wait_until="commit")
    page.wait_for_selector(".skeleton")
    shown = time.perf_counter() - start_time
    assert page.locator(".sidebar").count() == 1  # the layout and other slots are already there
    assert page.locator("text=Select a section").count() == 1
    assert page.locator("text=Upgraded to Pro").count() == 0
    page.wait_for_selector("text=Upgraded to Pro")
    assert page.locator(".skeleton").count() == 0
    assert shown < 1.0
    context.close()


def test_the_failing_tab_fails_alone(page, dashboard):
    start(page, dashboard)
    tab(page, "Errors demo").click()
    page.wait_for_selector("text=Analytics are unavailable")
    assert page.locator("text=Ada Lovelace").count() == 1
    assert page.locator("text=Revenue (MTD)").count() == 1
    # under panes start the message is generic
    assert "backend timed out" not in page.text_content(".error-card")


def test_a_push_keeps_the_scroll_when_the_changed_slot_is_in_view(page, dashboard):
    page.set_viewport_size({"width": 1280, "height": 700})
    start(page, dashboard)
    page.evaluate("document.querySelector('.tabs').scrollIntoView()")
    before = page.evaluate("window.scrollY")
    assert before > 0
    tab(page, "Visitors").click()
    page.wait_for_selector("text=By country")
    assert abs(page.evaluate("window.scrollY") - before) < 5  # not to the top


def test_a_push_scrolls_a_changed_slot_out_of_view_into_it(page, dashboard):
    page.set_viewport_size({"width": 1280, "height": 500})
    start(page, dashboard)
    page.evaluate("window.panes.push('/page-views')")
    page.wait_for_selector("text=Top pages")
    box = page.locator("text=Top pages").bounding_box()
    assert 0 <= box["y"] < 500 and page.evaluate("window.scrollY") > 0


RETRY = {
    "layout.py": """
from markupsafe import Markup

def layout(children, side):
    return Markup("<html><body><main>{}</main><aside>{}</aside></body></html>").format(children, side)
""",
    "page.py": "from markupsafe import Markup\n\ndef page():\n    return Markup('<input id=\"typed\">')\n",
    "@side/page.py": """
from pathlib import Path

def page():
    if not (Path(__file__).parent / "healthy").exists():
        raise RuntimeError("flaky")
    return "side is back"
""",
    "@side/error.py": """
from markupsafe import Markup

def error(error):
    return Markup('<p id="failed">failed</p><button id="retry" data-panes-retry>Try again</button>')
""",
}


def test_retry_renders_only_the_failed_slot_again(page, tmp_path):
    app_dir = write_app(tmp_path / "app", RETRY)
    with serving(app_dir) as live:
        start(page, live)
        page.fill("#typed", "still here")
        assert page.text_content("#failed") == "failed"
        (app_dir / "@side" / "healthy").write_text("")
        page.click("#retry")
        page.wait_for_selector("text=side is back")
        assert page.input_value("#typed") == "still here"
        assert page.evaluate("window.marker") == "same document"


def test_back_and_forward_restore_scroll_positions(page, dashboard):
    page.set_viewport_size({"width": 1280, "height": 500})
    start(page, dashboard)
    page.evaluate("window.scrollTo(0, 300)")
    page.wait_for_timeout(250)  # the runtime records the position as the user scrolls
    page.evaluate("window.panes.push('/settings')")
    page.wait_for_selector("input[type=text]")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(250)
    page.go_back()
    page.wait_for_function("location.pathname === '/' && Math.abs(window.scrollY - 300) < 5")
    page.go_forward()
    page.wait_for_function("location.pathname === '/settings' && window.scrollY < 5")


def test_a_refresh_after_soft_navigations_keeps_the_layouts_dom(page, dashboard):
    """The root layout's own DOM (the sidebar) and the slots that did not change survive
    ``panes.refresh()`` after soft navigations that changed the title."""
    start(page, dashboard)
    page.locator(".sidebar a", has_text="Team settings").click()
    page.wait_for_function("document.title.startsWith('Team settings')")
    tab(page, "Visitors").click()
    page.wait_for_selector("text=By country")
    page.evaluate("document.querySelector('.sidebar').dataset.kept = 'yes'")
    page.locator("input[type=text]").first.fill("Platform squad")
    page.evaluate("panes.refresh()")
    page.wait_for_timeout(400)
    assert page.evaluate("document.querySelector('.sidebar').dataset.kept") == "yes"
    assert page.locator("input[type=text]").first.input_value() == "Platform squad"
    assert page.evaluate("window.marker") == "same document"
