"""A test client for panes apps: pages, soft navigations, form posts and the head, in pytest,
with no browser.

::

    from panes.testing import Client

    def test_opening_a_message_changes_only_the_reading_pane():
        with Client("app") as client:           # runs app/lifespan.py around the block
            inbox = client.get("/inbox")
            assert inbox.status == 200
            assert "Lunch on Friday?" in inbox.region("children")
            message = inbox.navigate("/inbox/3")   # a click on a link: a soft navigation
            assert message.changed == ("children/children",)
            assert message.title == "Lunch on Friday? | Mail"

The client speaks the wire protocol as the runtime (``panes.js``) does: it sends back the
navigation state of the page it holds, applies the records of the answer
(:func:`panes.core.protocol.parse`, state updates by :func:`panes.core.protocol.merge`) to
its copy of the document (:mod:`panes.tools.document`), and keeps cookies between requests.
It runs the app in process, over httpx's ``ASGITransport``, on an event loop of its own (so
tests stay plain ``def`` functions); :class:`AsyncClient` is the same for ``async def`` tests.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
from starlette.types import ASGIApp, Message

from panes.core import protocol
from panes.http.app import App
from panes.render.forms import ACTION_FIELD
from panes.tools import document

__all__ = ["AsyncClient", "Client", "Page"]

T = TypeVar("T")

@dataclass(frozen=True)
class Page:
    """What the browser would show after a request: the document and its navigation state.

    ``status``: the HTTP status of the last answer; ``html``: the whole document as the
    runtime would hold it (streamed fills moved into their regions, soft navigations applied);
    ``changed``: the regions the last answer rendered (``("",)`` for a full load), so that
    a test can assert what a soft navigation did *not* touch; ``hard``: the server asked for
    a full page load (another root layout, a stale state), which the client then made.
    """

    client: AsyncClient
    url: str
    status: int
    html: str
    state: Mapping[str, Any] | None
    changed: tuple[str, ...] = ("",)
    hard: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)

    # -- reading ------------------------------------------------------------------------------

    @property
    def regions(self) -> dict[str, str]:
        """Every region's HTML by id (``children``, ``team``, ``analytics/children`` …;
        ``""`` is the document), without panes's markers."""
        return document.regions(self.html)

    def region(self, rid: str) -> str:
        """One region's HTML (``KeyError`` naming those there are when it is not shown)."""
        regions = self.regions
        if rid not in regions:
            raise KeyError(f"no region {rid!r} on {self.url}; the page shows "
                           f"{sorted(r for r in regions if r)}")
        return regions[rid]

    def text(self, rid: str = "") -> str:
        """A region's text, tags removed and whitespace collapsed (``""``: the whole body)."""
        return document.text(self.region(rid), whole=rid == "")

    @property
    def title(self) -> str | None:
        return document.head(self.html).title

    @property
    def meta(self) -> dict[str, str]:
        """``<meta>`` tags of the head by ``name`` or ``property`` (``description``,
        ``og:title``, ``robots``) → ``content``."""
        return {key: value for tag, attrs in document.head(self.html).tags if tag == "meta"
                for key, value in [(attrs.get("name") or attrs.get("property"),
                                    attrs.get("content"))] if key and value is not None}

    @property
    def links(self) -> list[dict[str, str]]:
        """``<link>`` tags of the head (``rel``, ``href`` …): canonical URL, icons."""
        return [attrs for tag, attrs in document.head(self.html).tags if tag == "link"]

    # -- acting -------------------------------------------------------------------------------

    def navigate(self, url: str) -> Page:
        """A click on a link to ``url`` from this page: a soft navigation (only the regions
        whose page changes are rendered; the others keep what they show)."""
        return self.client.run(self.client.navigate(self, url))

    def refresh(self) -> Page:
        """``window.panes.refresh()``: every top-level region rendered again from the URL that
        last activated it."""
        return self.client.run(self.client.refresh(self))

    def submit(self, data: Mapping[str, Any] | None = None, *, action: str | None = None,
               soft: bool = False, files: Any = None, form: str | None = None) -> Page:
        """Post a form to ``action`` (default: this page's URL), as a browser does: without
        JavaScript (``soft=False``: the 303 is followed with a full load) or through the
        runtime (``soft=True``: a redirect becomes a soft navigation from this page). The
        hidden field that names the page whose action runs (a slot's page, a modal) is sent
        as the browser would: that of the form whose ``id`` is ``form``, else that of the
        page's only form that has one."""
        data = {**self.action_field(form), **(data or {})}
        return self.client.run(self.client.submit(self, action or self.url, data, soft=soft,
                                                  files=files))

    def action_field(self, form: str | None = None) -> dict[str, str]:
        """The hidden field panes put in the form ``form`` (an id), or in the page's only
        marked form; empty when there is none (or several, and ``form`` is not given)."""
        found = document.marked_forms(self.html)
        if form is not None:
            if form not in found:
                raise LookupError(f"no form with id {form!r} and an action on this page")
            return {ACTION_FIELD: found[form]}
        return {ACTION_FIELD: next(iter(found.values()))} if len(found) == 1 else {}


class AsyncClient:
    """The client for ``async def`` tests: ``async with AsyncClient(app) as client``; its
    methods are the coroutines :class:`Client` runs."""

    def __init__(self, app: App | ASGIApp | str | Path = "app", *,
                 base_url: str = "http://testserver", dev: bool = False,
                 headers: Mapping[str, str] | None = None) -> None:
        if isinstance(app, str | Path):
            app = App(app, dev=dev)
        self.app: ASGIApp = app
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url=self.base_url, follow_redirects=False,
                                      headers=dict(headers or {}))
        self._lifespan: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()

    def run(self, work: Awaitable[T]) -> T:
        raise RuntimeError("an AsyncClient's pages are awaited: use `await client.navigate(page,"
                           " url)` or the sync Client")

    async def __aenter__(self) -> AsyncClient:
        await self.startup()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    async def startup(self) -> None:
        """Run the app's lifespan (``app/lifespan.py``) up to its ``yield``."""
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self._lifespan = asyncio.ensure_future(
            self.app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._from_app.get()
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"the app's lifespan failed: {message.get('message', '')}")

    async def shutdown(self) -> None:
        if self._lifespan is not None and not self._lifespan.done():
            await self._to_app.put({"type": "lifespan.shutdown"})
            await self._from_app.get()
            await self._lifespan
        await self.http.aclose()

    # -- requests -----------------------------------------------------------------------------

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> Page:
        """A full page load of ``url`` (a typed URL, a reload): redirects followed."""
        for _ in range(20):
            answer = await self.http.get(url, headers=dict(headers or {}))
            if answer.status_code in (301, 302, 303, 307, 308):
                url = answer.headers["location"]
                continue
            return self._page(answer)
        raise RuntimeError(f"too many redirects from {url}")

    async def navigate(self, page: Page, url: str, *, again: bool = False) -> Page:
        """A soft navigation; ``again``: after an action, everything is rendered again."""
        if page.state is None:
            return await self.get(url)
        headers = {"Panes-State": _header(page.state)}
        if again:
            headers["Panes-Refresh"] = "1"
        answer = await self.http.get(url, headers=headers)
        return await self._apply(page, answer, url, again=again)

    async def refresh(self, page: Page) -> Page:
        """``window.panes.refresh()``: everything rendered again, what changed swapped."""
        return await self.navigate(page, page.url, again=True)

    async def submit(self, page: Page, url: str, data: Mapping[str, Any] | None, *,
                     soft: bool = False, files: Any = None) -> Page:
        headers = {"Origin": self.base_url}
        if soft and page.state is not None:
            headers["Panes-State"] = _header(page.state)
        answer = await self.http.post(url, data=dict(data or {}), files=files, headers=headers)
        if answer.headers.get("content-type", "").startswith(protocol.MEDIA_TYPE):
            # after an action, what the page shows is rendered again from the server
            return await self._apply(page, answer, url, again=True)
        if answer.status_code in (301, 302, 303, 307, 308):
            return await self.get(answer.headers["location"])
        return self._page(answer)

    async def post(self, url: str, data: Mapping[str, Any] | None = None, *,
                   files: Any = None) -> Page:
        """A form posted to ``url`` from nowhere in particular (no JavaScript)."""
        empty = Page(self, url, 200, "", None)
        return await self.submit(empty, url, data, files=files)

    # -- answers ------------------------------------------------------------------------------

    def _page(self, answer: httpx.Response) -> Page:
        state = document.state_of(answer.text)
        text = document.apply_fills(answer.text)
        url = state["url"] if state else str(answer.url.copy_with(scheme=None, host=None)
                                             ).removeprefix("//")
        return Page(self, url or "/", answer.status_code, text, state,
                    headers=dict(answer.headers))

    async def _apply(self, page: Page, answer: httpx.Response, url: str, *,
                     again: bool = False) -> Page:
        """The records of a soft navigation's answer, applied as the runtime applies them."""
        if not answer.headers.get("content-type", "").startswith(protocol.MEDIA_TYPE):
            raise AssertionError(f"{url}: the server answered {answer.status_code} "
                                 f"{answer.headers.get('content-type')}, not navigation records:"
                                 f"\n{answer.text[:500]}")
        doc, state = page.html, dict(page.state or {})
        changed: list[str] = []
        new_url = page.url
        for record in protocol.parse(answer.text):
            kind = record["t"]
            if kind == "hard":
                hard = await self.get(url)
                return replace(hard, hard=True)
            if kind == "redirect":
                return await self.navigate(replace(page, html=doc, state=state), record["url"],
                                           again=again)
            if kind == "patch":
                for rid, html in zip(record["swap"], record["html"], strict=True):
                    doc = document.swap(doc, rid, html)
                    changed.append(rid)
                state = protocol.merge(state, record)
                if record.get("push", True):
                    new_url = state["url"]
                if "head" in record:
                    doc = document.apply_head(doc, record["head"])
            elif kind == "fill":
                doc = document.swap(doc, record["region"], record["html"][0])
                changed.append(record["region"])
            elif kind == "state":
                state = protocol.merge(state, record)
        return Page(self, new_url, answer.status_code, doc, state, tuple(dict.fromkeys(changed)),
                    headers=dict(answer.headers))


class Client:
    """The test client for plain ``def`` tests. ``Client(app_dir_or_App)``; use it as a
    context manager to run the app's lifespan around the block (then ``state`` is what
    ``app/lifespan.py`` yielded). ``dev=True`` renders as ``panes dev`` does (errors in
    ``error.py`` get the exception)."""

    def __init__(self, app: App | ASGIApp | str | Path = "app", *,
                 base_url: str = "http://testserver", dev: bool = False,
                 headers: Mapping[str, str] | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._async: AsyncClient = self._call(self._make, app, base_url, dev, headers)
        self._async.run = self.run  # type: ignore[method-assign]
        self._started = False

    @staticmethod
    async def _make(app: Any, base_url: str, dev: bool,
                    headers: Mapping[str, str] | None) -> AsyncClient:
        return AsyncClient(app, base_url=base_url, dev=dev, headers=headers)

    def _call(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        return asyncio.run_coroutine_threadsafe(fn(*args), self._loop).result()

    def run(self, work: Awaitable[T]) -> T:
        async def wait() -> T:
            return await work

        return asyncio.run_coroutine_threadsafe(wait(), self._loop).result()

    @property
    def app(self) -> ASGIApp:
        return self._async.app

    @property
    def cookies(self) -> httpx.Cookies:
        return self._async.http.cookies

    def __enter__(self) -> Client:
        self.run(self._async.startup())
        self._started = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        if self._started:
            self.run(self._async.shutdown())
        else:
            self.run(self._async.http.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Page:
        """A full page load (a typed URL): status, document, regions, head."""
        return self.run(self._async.get(url, headers))

    def navigate(self, origin: str | Page, url: str) -> Page:
        """A soft navigation from ``origin`` (a URL, loaded first, or a :class:`Page`)."""
        page = self.get(origin) if isinstance(origin, str) else origin
        return page.navigate(url)

    def post(self, url: str, data: Mapping[str, Any] | None = None, *,
             files: Any = None) -> Page:
        """A form posted to ``url`` without JavaScript: the page's ``action()`` runs, the
        redirect that follows is loaded."""
        return self.run(self._async.post(url, data, files=files))

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Any request (a ``route.py`` handler): httpx's response."""
        return self.run(self._async.http.request(method, url, **kwargs))


def _header(state: Mapping[str, Any]) -> str:
    return protocol.dumps(state)  # what the runtime sends: JSON, ASCII
