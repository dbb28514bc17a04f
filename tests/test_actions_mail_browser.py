"""The mail example's actions in Chromium: field errors in the compose modal, an action that
changes the unread count in the root layout's title and the folder list, and a message that
only a click marks read (never a hover's prefetch)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import same_document, serving

MAIL = Path(__file__).resolve().parent.parent / "examples" / "mail" / "app"


@pytest.fixture(scope="module")
def mail():
    with serving(MAIL) as live:
        yield live


def log_in(page, mail):
    page.goto(mail.url + "/login")
    page.click("form button.primary")
    page.wait_for_selector(".messages")
    page.wait_for_function("window.panes !== undefined && location.pathname === '/inbox'")
    page.evaluate("window.marker = 'same document'")


def unread(page) -> int:
    return int(page.text_content("#folder-inbox .count") or 0)


def test_compose_shows_field_errors_in_the_modal(page, mail):
    log_in(page, mail)
    page.click("a.compose")
    page.wait_for_selector("dialog.modal[open]")
    page.fill("dialog input[name=to]", "charles")
    page.fill("dialog input[name=subject]", "Gears")
    page.click("dialog button.primary")
    page.wait_for_selector("dialog #to-error")
    assert page.text_content("dialog #to-error") == "charles is not an email address."
    assert page.text_content("dialog #body-error") == "Write something first."
    assert page.input_value("dialog input[name=subject]") == "Gears"  # what was typed stays
    assert page.evaluate("location.pathname") == "/compose"
    page.fill("dialog input[name=to]", "charles@engine.org")
    page.fill("dialog textarea[name=body]", "The gears are cut.")
    page.click("dialog button.primary")
    page.wait_for_function("location.pathname === '/sent'")
    page.wait_for_selector(".list >> text=Gears")
    assert page.locator("dialog.modal").count() == 0
    assert same_document(page)


def test_mark_unread_updates_the_title_and_the_folder_count(page, mail):
    log_in(page, mail)
    page.click("#message-3")
    page.wait_for_selector("#subject")
    count = unread(page)
    assert page.title() == f"Invitation: Thursday lecture | ({count}) Mail"
    page.click("text=Mark unread")
    page.wait_for_function(f"document.title === 'Inbox | ({count + 1}) Mail'")
    assert unread(page) == count + 1
    assert page.evaluate("location.pathname") == "/inbox"
    assert page.locator("li.unread #message-3").count() == 1
    assert same_document(page)


def test_a_hover_never_marks_a_message_read(page, mail):
    log_in(page, mail)
    assert page.locator("li.unread #message-6").count() == 1
    page.hover("#message-6")
    page.wait_for_timeout(300)
    page.evaluate("panes.refresh()")
    page.wait_for_timeout(300)
    assert page.locator("li.unread #message-6").count() == 1
    page.click("#message-6")
    page.wait_for_selector("#subject")
    assert page.locator("li.unread #message-6").count() == 0
