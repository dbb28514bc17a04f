"""Every example, served by ``panes start`` and crawled in Chromium as a visitor would: ``/``
and every same-origin link reached from it, each by a hard load and by a click.

A crawl fails on any response of 500 or more, any stylesheet, script, image or font that did
not load, any console error or uncaught exception, and any document that does not finish
loading (a stream cut short never does). The mail example is crawled logged in, through its
form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import Production, serving

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MAX_PAGES = 30  # per example: enough for every page of each, bounded if an example grows
SKIP = ("/logout",)  # a link that ends the crawl's session
RESOURCES = ("stylesheet", "script", "image", "font")


class Visitor:
    """A Chromium tab that records every problem a visitor could notice."""

    def __init__(self, browser, server: Production) -> None:
        self.server = server
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.where = "/"
        self.not_found_pages: set[str] = set()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(
            f"{self.where}: uncaught {exc}"))
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._failed)

    def _console(self, message) -> None:
        # a link to a missing page (the examples show their not-found UI) answers a 404
        # document, which Chromium reports in the console: designed, not a failure
        if message.type == "error" and not (
                "status of 404" in message.text
                and message.location.get("url") in self.not_found_pages):
            self.problems.append(f"{self.where}: console error: {message.text}")

    def _response(self, response) -> None:
        kind = response.request.resource_type
        if response.status == 404 and kind == "document":
            self.not_found_pages.add(response.url)
        if response.status >= 500 or (kind in RESOURCES and response.status >= 400) or (
                response.status == 404 and kind not in ("document", "fetch")):
            self.problems.append(f"{self.where}: {response.status} for {kind} {response.url}")

    def _failed(self, request) -> None:
        if request.resource_type in (*RESOURCES, "document"):
            self.problems.append(f"{self.where}: {request.resource_type} {request.url} "
                                 f"failed: {request.failure}")

    def path(self) -> str:
        return str(self.page.evaluate("location.pathname + location.search"))

    def settled(self) -> None:
        """The document finished loading, its stream included (the state arrives last)."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "document.readyState === 'complete' && !!document.getElementById('panes-state')"
            " && window.panes !== undefined")
        self.page.wait_for_load_state("networkidle")

    def links(self) -> list[str]:
        """Same-origin links on the page, as paths, in document order."""
        hrefs = self.page.evaluate("""() => [...document.querySelectorAll('a[href]')]
            .filter(a => !a.target && !a.hasAttribute('download'))
            .map(a => a.href)""")
        found: list[str] = []
        for href in hrefs:
            url = urlsplit(href)
            if f"{url.scheme}://{url.netloc}" != self.server.url:
                continue
            path = url.path + (f"?{url.query}" if url.query else "")
            if not path.startswith(SKIP) and path not in found:
                found.append(path)
        return found

    def visit(self, path: str) -> None:
        self.where = f"hard load of {path}"
        self.page.goto(self.server.url + path)
        self.settled()

    def click(self, on: str, path: str) -> None:
        """From a hard load of ``on``, click the first visible link to ``path``."""
        self.visit(on)
        self.where = f"click {on} → {path}"
        link = self.page.locator(f'a[href="{path}"]:visible').first
        if link.count() == 0:
            return
        link.click()
        self.page.wait_for_function("p => location.pathname + location.search === p", arg=path)
        self.page.wait_for_load_state("networkidle")

    def crawl(self, start: str = "/") -> list[str]:
        """Breadth first from ``start``: every page by a hard load, then by a click from the
        page where its link was first seen. Returns the paths visited."""
        queue: list[tuple[str, str | None]] = [(start, None)]
        seen = {start}
        visited: list[str] = []
        while queue and len(visited) < MAX_PAGES:
            path, found_on = queue.pop(0)
            self.visit(path)
            visited.append(path)
            for link in self.links():
                if link not in seen:
                    seen.add(link)
                    queue.append((link, path))
            if found_on is not None:
                self.click(found_on, path)
        return visited


@pytest.fixture
def visitor(browser) -> Iterator[Callable[[Production], Visitor]]:
    made: list[Visitor] = []

    def make(server: Production) -> Visitor:
        made.append(Visitor(browser, server))
        return made[-1]

    yield make
    for v in made:
        v.context.close()


@pytest.mark.parametrize("example", ["dashboard", "gallery", "tracker"])
def test_every_page_of_the_example_loads_whole(visitor, example):
    with serving(EXAMPLES / example / "app") as server:
        crawler = visitor(server)
        visited = crawler.crawl()
    assert len(visited) > 3, visited  # the crawl reached past the first page
    assert not crawler.problems, "\n".join(crawler.problems)


def test_every_page_of_the_mail_example_loads_whole_when_logged_in(visitor):
    with serving(EXAMPLES / "mail" / "app") as server:
        crawler = visitor(server)
        page = crawler.page
        crawler.where = "log in"
        page.goto(server.url + "/")
        page.click("form button.primary")  # the demo account is filled in
        page.wait_for_selector(".messages")
        visited = crawler.crawl()
        stylesheets = page.evaluate("[...document.styleSheets].filter(s => s.href).length")
    assert len(visited) > 3, visited
    assert stylesheets >= 1  # mail.css from public/ applies
    assert not crawler.problems, "\n".join(crawler.problems)
