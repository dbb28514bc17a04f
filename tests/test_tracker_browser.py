"""The tracker example in Chromium: a uPlot chart (served from public/), a status dropdown and
j/k/c shortcuts, bound to the panes lifecycle, through a streamed hard load, soft navigations,
streamed fills, an action, a modal, Back and Forward: one live instance per element, no leak,
no console error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import same_document, serving, start

TRACKER = Path(__file__).resolve().parent.parent / "examples" / "tracker" / "app"


@pytest.fixture(scope="module")
def tracker():
    with serving(TRACKER) as live:
        yield live


@pytest.fixture
def errors(page):
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(str(e)))
    return found


def widgets_are_live_once(page) -> None:
    """Each chart element holds one drawn uPlot and each dropdown one set of listeners; nothing
    that left the document is still alive."""
    report = page.evaluate("""() => {
        const charts = [...document.querySelectorAll('[data-chart]')];
        const menus = [...document.querySelectorAll('[data-dropdown]')];
        return {
            charts: charts.length, drawn: charts.map(e => e.querySelectorAll('.uplot').length),
            liveCharts: window.tracker.charts.size, liveMenus: window.tracker.menus.size,
            menus: menus.length,
            stale: [...window.tracker.charts.keys(), ...window.tracker.menus.keys()]
                .filter(e => !e.isConnected).length,
        };
    }""")
    assert report["drawn"] == [1] * report["charts"], report
    assert report["liveCharts"] == report["charts"] and report["liveMenus"] == report["menus"], report
    assert report["stale"] == 0, report


def detail(page, key: int) -> None:
    page.wait_for_selector(f".issue h1:has-text('#{key} ')")
    page.wait_for_selector(".issue .chart .uplot")
    page.wait_for_function("!document.documentElement.hasAttribute('data-panes-pending')")


def current(page) -> str | None:
    return page.evaluate("document.querySelector('.issues a[aria-current=page]')?.getAttribute('href')")


def test_widgets_live_once_through_every_kind_of_navigation(page, tracker, errors):
    start(page, tracker, "/issues/1")  # a hard load, its detail streamed behind loading.py
    detail(page, 1)
    widgets_are_live_once(page)
    assert current(page) == "/issues/1"
    page.click(".issues a[href='/issues/2']")  # soft navigation, streamed fill
    detail(page, 2)
    widgets_are_live_once(page)
    assert current(page) == "/issues/2"
    page.keyboard.press("j")  # the shortcut: next issue
    detail(page, 3)
    widgets_are_live_once(page)
    assert current(page) == "/issues/3"
    page.keyboard.press("k")
    detail(page, 2)
    page.click(".dropdown button[aria-expanded]")  # the dropdown opens, its choice is an action
    assert page.get_attribute(".dropdown button[aria-expanded]", "aria-expanded") == "true"
    page.click(".dropdown [role=menu] button:has-text('closed')")
    page.wait_for_selector(".dropdown button:has-text('Status: closed')")
    page.wait_for_selector(".issues a[href='/issues/2'] .s-closed")
    widgets_are_live_once(page)
    page.click(".dropdown button[aria-expanded]")  # the new dropdown works, the old one is gone
    assert page.get_attribute(".dropdown button[aria-expanded]", "aria-expanded") == "true"
    page.click("h1")  # a click outside closes it
    assert page.get_attribute(".dropdown button[aria-expanded]", "aria-expanded") == "false"
    page.go_back()
    detail(page, 3)
    widgets_are_live_once(page)
    page.go_back()
    detail(page, 2)
    widgets_are_live_once(page)
    page.go_forward()
    detail(page, 3)
    widgets_are_live_once(page)
    page.click(".brand")  # the overview's chart
    page.wait_for_selector("h1:has-text('Overview')")
    page.wait_for_selector(".chart .uplot")
    widgets_are_live_once(page)
    assert current(page) is None
    assert same_document(page)
    assert errors == []


def test_the_new_issue_modal_opens_with_c_and_closes_with_escape(page, tracker, errors):
    start(page, tracker, "/issues/1")
    detail(page, 1)
    page.keyboard.press("c")
    page.wait_for_selector("dialog#modal")
    page.wait_for_function("document.activeElement.id === 'title'")  # its autofocus
    page.keyboard.press("j")  # typing in the form is not a shortcut
    assert page.input_value("#title") == "j"
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog#modal", state="detached")
    assert page.url == tracker.url + "/issues/1"
    widgets_are_live_once(page)
    page.focus("#new")
    page.keyboard.press("Enter")
    page.wait_for_selector("dialog#modal")
    page.fill("#title", "Widgets survive navigation")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click(".issues a[href='/issues/2']")  # unsaved: the page asks, and stays
    page.wait_for_timeout(300)
    assert asked == ["Discard the new issue?"] and page.url == tracker.url + "/new"
    page.click("#new-issue button")
    page.wait_for_selector(".issue h1:has-text('Widgets survive navigation')")
    page.wait_for_selector(".issue .chart .uplot")
    assert page.locator("dialog#modal").count() == 0
    widgets_are_live_once(page)
    assert same_document(page)
    assert errors == []
