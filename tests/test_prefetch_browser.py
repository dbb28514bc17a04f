"""Prefetch in Chromium: nothing on page load (50 links, no request), on intent only, marked
with Panes-Prefetch, stopping at loading boundaries (no page below one runs before a click),
refused by PREFETCH = False, skipped for data-panes-prefetch="false", used by the click."""

from __future__ import annotations

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
