"""Prefetch in Chromium: nothing on page load (50 links, no request), on intent only, marked
with Panes-Prefetch, stopping at loading boundaries (no page below one runs before a click),
refused by PREFETCH = False, skipped for data-panes-prefetch="false", used by the click; each URL
once, never the one shown; after a prefetch that stopped at a loading boundary, the click
fetches only what lies below it (the dashboard's tabs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from actions_app import counts, make
from conftest import same_document, serving, start


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app_dir, db = make(tmp_path_factory.mktemp("prefetch"))
    with serving(app_dir) as live:
        live.db = db  # type: ignore[attr-defined]
        yield live


def watch(page) -> list:
    seen: list = []
    page.on("request", lambda r: seen.append(r) if "/_panes/" not in r.url else None)
    return seen


def prefetches(seen: list) -> list:
    return [r for r in seen if r.headers.get("panes-prefetch") == "1"]


def test_fifty_links_make_no_request_on_load(page, site):
    seen = watch(page)
    start(page, site, "/many")
    page.mouse.move(1000, 700)
    page.wait_for_timeout(500)
    assert len(seen) == 1  # the document alone
    assert counts(site.db).get("renders:/plain", 0) == 0


def test_a_prefetch_stops_at_the_loading_boundary(page, site):
    start(page, site, "/many")
    seen = watch(page)
    page.hover("#slow")
    page.wait_for_timeout(300)
    assert len(prefetches(seen)) == 1
    assert counts(site.db).get("renders:/slow", 0) == 0  # below the boundary: not run
    page.click("#slow")
    page.wait_for_selector("text=slow content")
    assert counts(site.db)["renders:/slow"] == 1
    assert same_document(page)


def test_prefetch_false_in_the_page_and_on_the_link(page, site):
    start(page, site, "/many")
    seen = watch(page)
    page.hover("#off")
    page.hover("#once")
    page.wait_for_timeout(300)
    assert [r.url.split("/", 3)[3] for r in prefetches(seen)] == ["once"]
    assert counts(site.db).get("renders:/once", 0) == 0  # PREFETCH = False: refused
    page.click("#once")
    page.wait_for_selector("text=read once")
    assert counts(site.db)["renders:/once"] == 1


def test_a_refused_prefetch_is_not_asked_again(page, site):
    start(page, site, "/many")
    seen = watch(page)
    for _ in range(3):
        page.hover("#once")
        page.wait_for_timeout(150)
        page.hover("text=link 3")
    page.wait_for_timeout(200)
    assert len([r for r in prefetches(seen) if "/once" in r.url]) == 1
    page.click("#once")
    page.wait_for_selector("text=read once")
    assert same_document(page)


def test_an_intent_prefetch_is_used_by_the_click(page, site):
    start(page, site, "/many")
    seen = watch(page)
    page.hover("text=link 7")
    page.wait_for_timeout(300)
    before = counts(site.db)["renders:/plain"]
    page.hover("text=link 7")  # again: deduplicated
    page.click("text=link 7")
    page.wait_for_selector("text=plain page")
    assert counts(site.db)["renders:/plain"] == before
    assert len([r for r in seen if "n=7" in r.url]) == 1
    assert same_document(page)


DASHBOARD = Path(__file__).resolve().parent.parent / "examples" / "dashboard" / "app"


@pytest.fixture(scope="module")
def dashboard():
    with serving(DASHBOARD) as live:
        yield live


def to(seen: list, path: str) -> list:
    return [r for r in seen if r.url.split("?")[0].endswith(path)]


def test_each_url_is_prefetched_once_and_never_the_one_shown(page, dashboard):
    """Hovering a tab again and again prefetches it once; the click uses that prefetch; once
    shown, hovering its tab fetches nothing."""
    start(page, dashboard, "/page-views")
    seen = watch(page)
    tab = "nav.tabs a[href='/visitors']"
    for _ in range(3):
        page.hover(tab)
        page.hover("nav.tabs a[href='/page-views']")  # the page shown: never prefetched
        page.wait_for_timeout(150)
    page.hover(tab)
    page.click(tab)
    page.wait_for_selector("text=Unique visitors")
    page.hover("nav.tabs a[href='/page-views']")
    page.hover(tab)  # now the page shown
    page.wait_for_timeout(300)
    assert [r.headers.get("panes-prefetch") for r in to(seen, "/visitors")] == ["1"]
    assert len(to(seen, "/page-views")) == 1  # prefetched once, after the click only
    assert same_document(page)


def test_the_click_after_a_prefetch_to_a_loading_boundary_fetches_only_below_it(page,
                                                                                dashboard):
    """/realtime's prefetch stops at its loading.py: the click shows that loading UI at once
    and fetches only the content below it. The loading UI is not sent again (its DOM stays,
    nothing flickers) until the content replaces it."""
    start(page, dashboard, "/page-views")
    seen = watch(page)
    tab = "nav.tabs a[href='/realtime']"
    page.hover(tab)
    page.wait_for_timeout(300)
    page.click(tab)
    page.wait_for_selector(".skeleton")
    page.evaluate("document.querySelector('.skeleton').panesTest = 'the prefetched one'")
    page.hover("nav.tabs a[href='/visitors']")
    page.hover(tab)  # the URL a navigation goes to: not prefetched again
    page.wait_for_timeout(500)  # the click's answer is in; the content takes 1.5 s
    assert page.evaluate("document.querySelector('.skeleton').panesTest") == \
        "the prefetched one"
    page.wait_for_selector("text=42 online now")
    assert page.evaluate("location.pathname") == "/realtime"
    prefetch, click = to(seen, "/realtime")
    assert prefetch.headers.get("panes-prefetch") == "1"
    assert "panes-prefetched" in click.headers and "panes-prefetch" not in click.headers
    assert same_document(page)
