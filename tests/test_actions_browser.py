"""Actions in Chromium: after a post everything is rendered again and only what changed is
swapped (typed input elsewhere stays), results and field errors, never a second post, no stale
page on Back, and the same pages with JavaScript off."""

from __future__ import annotations

import pytest
from actions_app import counts, make
from conftest import same_document, serving, start


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app_dir, db = make(tmp_path_factory.mktemp("actions"))
    with serving(app_dir) as live:
        live.db = db  # type: ignore[attr-defined]
        yield live


def submit(page, title: str, **extra: str) -> None:
    for name, value in extra.items():  # hidden fields the test adds to the form
        page.evaluate("([n, v]) => { const i = document.createElement('input'); i.type = 'hidden';"
                      " i.name = n; i.value = v; document.querySelector('#add').append(i); }",
                      [name, value])
    page.fill("#title", title)
    page.click("#submit")


def test_an_action_renders_everything_again_and_keeps_what_did_not_change(page, site):
    start(page, site)
    before = counts(site.db).get("items", 0)
    page.fill("#note", "typed elsewhere")
    page.locator("#note").evaluate("e => e.dataset.kept = 'yes'")
    submit(page, "milk")
    page.wait_for_selector("#message:has-text('Added milk.')")
    # the root layout's count is new; the slot that did not change keeps its DOM
    assert page.text_content("#count") == f"{before + 1} items"
    assert page.input_value("#note") == "typed elsewhere"
    assert page.locator("#note").evaluate("e => e.dataset.kept") == "yes"
    assert same_document(page)
    assert page.evaluate("location.pathname") == "/"


def test_field_errors_come_back_with_the_typed_input_elsewhere_kept(page, site):
    start(page, site)
    page.fill("#note", "still here")
    submit(page, "")
    page.wait_for_selector("#title-error:has-text('A title is required.')")
    assert page.input_value("#note") == "still here"
    assert same_document(page)


def test_a_double_click_posts_once_and_a_failure_is_never_posted_again(page, site):
    start(page, site)
    posts = counts(site.db).get("posts", 0)
    page.fill("#title", "slow")
    page.evaluate("""() => { const i = document.createElement('input'); i.type = 'hidden';
        i.name = 'wait'; i.value = '0.4'; document.querySelector('#add').append(i); }""")
    page.dblclick("#submit")
    page.wait_for_selector("#message:has-text('Added slow.')")
    assert counts(site.db)["posts"] == posts + 1
    # an action that raises: its error boundary shows it, and nothing posts it again
    submit(page, "x", fail="1")
    page.wait_for_selector("text=failed: ServerError")
    page.wait_for_timeout(300)
    assert counts(site.db)["posts"] == posts + 2
    assert same_document(page)


def test_a_network_failure_leaves_the_form_and_tells_the_page(page, site):
    start(page, site)
    posts = counts(site.db).get("posts", 0)
    page.evaluate("document.addEventListener('panes:error', e => window.failed = e.target.id)")
    page.route("**/*", lambda route: route.abort() if route.request.method == "POST"
               else route.continue_())
    submit(page, "lost")
    page.wait_for_function("window.failed === 'add'")
    assert page.input_value("#title") == "lost"
    assert counts(site.db).get("posts", 0) == posts
    page.unroute("**/*")
    page.click("#submit")  # the form works again
    page.wait_for_selector("#message:has-text('Added lost.')")
    assert counts(site.db)["posts"] == posts + 1


def test_a_redirect_renders_everything_there_with_the_new_cookie(page, site):
    start(page, site)
    submit(page, "bread", then="list")
    page.wait_for_selector("main:has-text('(last bread)')")
    items = counts(site.db)["items"]
    assert page.text_content("main").strip() == f"list of {items} (last bread)"
    assert page.text_content("#count") == f"{items} items"
    assert page.evaluate("location.pathname") == "/list"
    assert same_document(page)


def test_back_after_an_action_never_shows_the_old_list(page, site):
    start(page, site, "/list")
    page.evaluate("panes.push('/')")
    page.wait_for_selector("#add")
    submit(page, "eggs")
    page.wait_for_selector("#message:has-text('Added eggs.')")
    items = counts(site.db)["items"]
    page.go_back()
    page.wait_for_selector(f"main:has-text('list of {items}')")
    assert page.evaluate("location.pathname") == "/list"


def test_refresh_renders_layouts_again_and_swaps_only_what_changed(page, site):
    start(page, site)
    page.fill("#note", "mine")
    page.fill("#title", "half typed")
    data = counts(site.db)
    data["items"] = data.get("items", 0) + 10
    site.db.write_text(__import__("json").dumps(data))
    page.evaluate("panes.refresh()")
    page.wait_for_selector(f"#count:has-text('{data['items']} items')")
    assert page.input_value("#note") == "mine"
    assert page.input_value("#title") == "half typed"  # children did not change either
    assert same_document(page)


def test_without_javascript_the_post_answers_the_page(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site.url + "/")
        page.fill("#title", "")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#submit")
        assert answer.value.status == 422
        assert page.text_content("#title-error") == "A title is required."
        page.fill("#title", "jam")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#submit")
        assert answer.value.status == 200
        assert page.text_content("#message") == "Added jam."
    finally:
        context.close()
