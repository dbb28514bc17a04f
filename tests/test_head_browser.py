"""The head in a real headless Chromium: title and tags after every kind of navigation."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import same_document, serving, start, write_app
from test_head import STREAM

GALLERY = Path(__file__).resolve().parent.parent / "examples" / "gallery" / "app"
SITE = "Photos that open in a modal with a URL of their own."


@pytest.fixture(scope="module")
def gallery():
    with serving(GALLERY) as live:
        yield live


def head(page) -> tuple[str, str | None, str | None]:
    return tuple(page.evaluate("""() => [document.title,
        document.querySelector('meta[name=description]')?.content ?? null,
        document.querySelector('meta[property="og:title"]')?.content ?? null]"""))


def wait_title(page, title: str) -> None:
    page.wait_for_function("t => document.title === t", arg=title)


def test_the_head_follows_soft_navigations_back_forward_and_the_modal(page, gallery):
    start(page, gallery, "/about")
    assert head(page) == ("About · Gallery", "How the gallery is built.", None)
    page.evaluate("window.viewport = document.querySelector('meta[name=viewport]')")

    page.click("#nav-home")  # soft navigation
    wait_title(page, "Gallery · All photos")
    assert head(page) == ("Gallery · All photos", SITE, None)

    page.click("#photo-3")  # the intercepted modal sets its head
    page.wait_for_selector("dialog[data-modal][open]")
    wait_title(page, "Glacier lake · Gallery")
    assert head(page) == ("Glacier lake · Gallery", "Photo #3 of the gallery: glacier lake.",
                          "Glacier lake")
    assert page.locator('meta[property="og:image"]').get_attribute("content") == \
        "https://gallery.example/og/photo-3.png"

    page.go_back()  # closing the modal restores the background's head
    page.wait_for_function("!document.querySelector('dialog[data-modal]')")
    wait_title(page, "Gallery · All photos")
    assert head(page) == ("Gallery · All photos", SITE, None)

    page.go_forward()  # the modal again
    wait_title(page, "Glacier lake · Gallery")
    assert head(page)[2] == "Glacier lake"

    page.go_back()
    page.go_back()
    wait_title(page, "About · Gallery")
    assert head(page) == ("About · Gallery", "How the gallery is built.", None)
    assert same_document(page)
    # tags that never changed were never replaced, and none is written twice
    assert page.evaluate("window.viewport === document.querySelector('meta[name=viewport]')")
    assert page.locator("meta[name=description]").count() == 1
    assert page.locator("title").count() == 1


def test_a_reload_of_the_modal_url_shows_the_full_page_head(page, gallery):
    start(page, gallery)
    page.click("#photo-2")
    wait_title(page, "Pine forest · Gallery")
    page.reload()
    page.wait_for_function("window.panes !== undefined")
    assert head(page) == ("Pine forest · Gallery", "Photo #2 of the gallery: pine forest.",
                          "Pine forest")
    assert page.locator("dialog[data-modal]").count() == 0


def test_without_javascript_every_hard_load_has_the_head(browser, gallery, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(gallery.url + "/photos/5")
        assert head(page) == ("Night city · Gallery", "Photo #5 of the gallery: night city.",
                              "Night city")
        page.click("text=next →")  # a link is a full load
        page.wait_for_url("**/photos/6")
        assert head(page)[0] == "Lavender field · Gallery"
        # a metadata() that finishes after the loading UI: its title still arrives
        with serving(write_app(tmp_path / "app", STREAM)) as live:
            page.goto(live.url + "/slow")
            assert page.title() == "Slow | S"
    finally:
        context.close()


def test_a_late_head_is_applied_by_the_runtime(page, tmp_path):
    with serving(write_app(tmp_path / "app", STREAM)) as live:
        start(page, live, "/slow")
        assert head(page)[:2] == ("Slow | S", "inner")
        assert page.locator("head meta[name=description]").count() == 1
        page.evaluate("panes.push('/quick')")
        wait_title(page, "Quick | S")
        assert head(page)[1] == "outer"
        page.evaluate("panes.push('/slow')")  # the head comes in the last record
        wait_title(page, "Slow | S")
        page.go_back()
        wait_title(page, "Quick | S")
