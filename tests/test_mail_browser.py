"""The mail example in Chromium: login with a cookie set in an action, middleware, slots, the
compose modal, a slow and a failing folder, its stylesheet from public/, its JSON API; its
actions: field errors in the compose modal, an action that changes the unread count in the
title and the folder list, and a message that only a click marks read (never a hover)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from conftest import same_document, serving

MAIL = Path(__file__).resolve().parent.parent / "examples" / "mail" / "app"


@pytest.fixture(scope="module")
def mail():
    with serving(MAIL) as live:
        yield live


def log_in(page, mail):
    page.goto(mail.url + "/")
    page.wait_for_selector("form button.primary")
    assert page.evaluate("location.pathname") == "/login"  # the middleware sent us here
    page.click("form button.primary")
    page.wait_for_selector(".messages")
    page.wait_for_function("window.panes !== undefined")
    page.evaluate("window.marker = 'same document'")


def test_log_in_read_compose_and_back(page, mail):
    log_in(page, mail)
    assert page.evaluate("location.pathname") == "/inbox"
    session = next(c for c in page.context.cookies() if c["name"] == "session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    # the stylesheet from public/mail.css applies
    assert page.eval_on_selector("a.compose", "e => getComputedStyle(e).backgroundColor") \
        == "rgb(59, 91, 219)"
    page.click("#message-2")
    page.wait_for_selector("#subject")
    assert page.text_content("#subject") == "Your translation of Menabrea"
    assert page.evaluate("location.pathname") == "/inbox/2"
    # the tab names the message (its metadata() reads the store from state)
    page.wait_for_function("document.title.startsWith('Your translation of Menabrea | ')")
    page.locator(".list").evaluate("e => e.dataset.kept = 'yes'")
    # compose: a modal over the message, opened softly
    page.click("a.compose")
    page.wait_for_selector("dialog.modal[open]")
    assert page.evaluate("location.pathname") == "/compose"
    assert page.text_content("#subject") == "Your translation of Menabrea"
    assert page.locator(".list").evaluate("e => e.dataset.kept") == "yes"
    assert same_document(page)
    # Back closes it
    page.wait_for_function("document.title.startsWith('New message | ')")
    page.go_back()
    page.wait_for_selector("dialog.modal", state="detached")
    assert page.evaluate("location.pathname") == "/inbox/2"
    assert page.title().startswith("Your translation of Menabrea | ")
    assert same_document(page)
    # a reload of /compose is the full compose page
    page.click("a.compose")
    page.wait_for_selector("dialog.modal[open]")
    page.reload()
    page.wait_for_selector(".compose-page")
    assert page.locator("dialog.modal").count() == 0


def test_slow_folder_streams_its_skeleton_and_failing_folder_fails_alone(page, mail):
    log_in(page, mail)
    page.click("#folder-archive")
    page.wait_for_selector(".skeleton")
    page.wait_for_selector("text=An old letter", timeout=8000)
    page.click("#folder-outbox")
    page.wait_for_selector("text=Couldn't load this folder")
    assert page.locator("#folder-inbox").is_visible()  # the other slots render normally
    assert same_document(page)


def test_logged_out_users_go_to_login_and_the_api_answers_401(page, mail):
    page.goto(mail.url + "/inbox/1")
    assert page.evaluate("location.pathname + location.search") == "/login?next=/inbox/1"
    assert httpx.get(mail.url + "/api/messages").status_code == 401
    assert httpx.get(mail.url + "/mail.css").status_code == 200  # public/: no middleware


def test_the_api_with_the_session_cookie(page, mail):
    log_in(page, mail)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    inbox = httpx.get(mail.url + "/api/messages?folder=inbox", cookies=cookies)
    assert inbox.status_code == 200 and inbox.json()[0]["from"] == "Charles Babbage"
    one = httpx.get(mail.url + "/api/messages/1", cookies=cookies).json()
    assert one["subject"].startswith("Difference Engine")
    bad = httpx.post(mail.url + "/api/messages", content=b"{", cookies=cookies,
                     headers={"content-type": "application/json"})
    assert bad.status_code == 400


def test_log_out(page, mail):
    log_in(page, mail)
    page.click("text=Log out")
    page.wait_for_function("location.pathname === '/login'")
    assert not [c for c in page.context.cookies() if c["name"] == "session"]


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
