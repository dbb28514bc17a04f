"""A page rendered for what was asked and answered: a document, a soft navigation, a restore or
a refresh, from the browser's state read once (its signature, and the credentials it is bound
to) through :mod:`panes.core.resolve`, the renderer and :mod:`panes.http.answers`.

:class:`Pages` is what the App and a form post (:mod:`panes.http.actions`) both render with:
neither calls back into the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import Scope

from panes.core import protocol
from panes.core.errors import BadRequest
from panes.core.plan import Branch
from panes.core.protocol import Hard, RedirectRecord, StaleState
from panes.core.resolve import (
    Render,
    Resolution,
    RouteModel,
    not_found_document,
    resolve_load,
    resolve_navigation,
    resolve_refresh,
    resolve_restore,
)
from panes.core.state import State
from panes.http.answers import Answers, Shown
from panes.http.ask import Page
from panes.http.connection import WORK_KEY
from panes.http.wrappers import answer
from panes.render.cookies import SCOPE_KEY as JAR_KEY
from panes.render.cookies import anonymous, cookie_values
from panes.render.html import builtin_not_found, error_document
from panes.render.render import Renderer
from panes.render.results import Failed, Missing, Parts, Redirected, Rendered
from panes.render.site import Site

logger = logging.getLogger("panes")

_BINDING_KEY = "panes.binding"  # the request's binding, while no cookie was set


class Pages:
    """One app's pages: its route model, what its renders share, how its states are signed
    and bound, and the writer of its answers."""

    def __init__(self, model: RouteModel, site: Site, answers: Answers, key: bytes,
                 signer: protocol.Signer, lifespan_state: Callable[[Scope], Mapping[str, Any]],
                 dev: bool) -> None:
        self.model = model
        self.site = site
        self.answers = answers
        self.key = key
        self._signer = signer
        self._anonymous = protocol.binding({}, "", key)  # no cookie, no Authorization
        self._lifespan_state = lifespan_state
        self.dev = dev

    def state_for(self, request: Request) -> Mapping[str, Any]:
        """The ``state`` argument: what ``app/lifespan.py`` yielded."""
        return self._lifespan_state(request.scope)

    async def __call__(self, request: Request, page: Page) -> Response:
        """A page, as it is asked for: the state the browser sent read once (its signature,
        and the credentials it is bound to), what it renders resolved, then rendered."""
        binding = self.binding(request, sent=True)  # (no cookie set yet: also the answer's)
        try:
            resolution, shown = self._resolve(page, binding)
            held = None  # what a partial prefetch placed, that the click need not send again
            if page.prefetched is not None and shown is not None:
                held = self._signer.read(page.prefetched, binding).state
        except StaleState:
            return answer(Hard())
        except BadRequest as exc:
            return PlainTextResponse(f"Bad request: {exc}", 400)
        if resolution.hard:
            return answer(Hard())
        if shown is None:
            return await self.document(request, resolution, page.browser)
        if page.prefetch:
            if not self._prefetchable(resolution):
                return Response(status_code=204, headers={"cache-control": protocol.PRIVATE})
            return await self.patch(request, resolution, shown, page.browser, prefetch=True)
        if resolution.renders and resolution.renders[0].parent is None:
            return await self.refresh(request, resolution, shown, page.browser)
        return await self.patch(request, resolution, shown, page.browser, held=held)

    def _resolve(self, page: Page, binding: str) -> tuple[Resolution, Shown | None]:
        """What the page renders, and the state the browser sent with it (if any)."""
        if page.kind == "document":
            return resolve_load(self.model, page.src), None
        shown = self._signer.read(page.state, binding)
        if page.kind == "refresh":
            return resolve_refresh(self.model, shown.state, page.src.url), shown
        if page.kind == "restore":
            target = self._signer.read(page.target, binding).state
            return resolve_restore(self.model, shown.state, target, page.regions), shown
        return resolve_navigation(self.model, shown.state, page.src.url), shown

    def binding(self, request: Request, sent: bool = False) -> str:
        """What a state is bound to: the request's cookies as the browser will hold them
        after this response (an action's ``cookies.set`` included), or as it ``sent`` them;
        the same while nothing set a cookie, so then it is made once per request."""
        scope = request.scope
        if JAR_KEY not in scope:
            found: str | None = scope.get(_BINDING_KEY)
            if found is None:
                found = scope[_BINDING_KEY] = self._anonymous if anonymous(scope) else \
                    protocol.binding(cookie_values(request, True),
                                     request.headers.get("authorization", ""), self.key)
            return found
        return protocol.binding(cookie_values(request, sent),
                                request.headers.get("authorization", ""), self.key)

    def decode(self, request: Request, text: str) -> Shown:
        return self._signer.read(text, self.binding(request, sent=True))

    def _renderer(self, request: Request, resolution: Resolution, **options: Any) -> Renderer:
        return Renderer(self.site, request, resolution, state=self.state_for(request),
                        work=request.scope.get(WORK_KEY), **options)

    def _prefetchable(self, resolution: Resolution) -> bool:
        """No page of what a prefetch would render says ``PREFETCH = False``."""
        items: list[Any] = [*resolution.renders, *resolution.inner.values()]
        while items:
            item = items.pop()
            outcome = item.outcome if isinstance(item, Render) else item
            if isinstance(outcome, Branch):
                items.extend(outcome.slots.values())
            elif not self.model.setting(outcome.file, "PREFETCH", True):
                return False
        return True

    # -- documents --------------------------------------------------------------------------

    async def document(self, request: Request, resolution: Resolution,
                       browser: str | None = None, **options: Any) -> Response:
        """Render before the first byte (see :mod:`panes.render`), then stream what is left.

        ``browser``: the URL the browser shows, when a middleware rewrote it to the one the
        resolution renders (the state says both: the browser's URL, and the app's as base).
        ``options`` go to the renderer (an action's result)."""
        top = resolution.renders[0]
        async with self._renderer(request, resolution, **options) as renderer:
            result = await renderer.result(top)
            if isinstance(result, Rendered):
                return self.answers.document(request, resolution, renderer, result, browser,
                                             self.binding(request))
        match result:  # (the renderer is closed: what it started has stopped)
            case Redirected(url, status):
                return RedirectResponse(url, status)
            case Missing() if resolution.status == 404:
                return HTMLResponse(self.answers.html(builtin_not_found()), 404)
            case Missing():
                return await self.document(request, not_found_document(self.model, top.src),
                                           browser, **options)
            case Failed(exc):
                if self.dev:  # short: the browser shows the whole of it
                    from panes.render.overlay import terminal

                    terminal(exc, f"error rendering {request.scope.get('path')}")
                else:
                    logger.error("error rendering %s", request.scope.get("path"), exc_info=exc)
                return HTMLResponse(
                    error_document(500, "Internal Server Error", exc if self.dev else None), 500)
        raise AssertionError(result)

    # -- soft navigations and restores ------------------------------------------------------

    async def patch(self, request: Request, resolution: Resolution, shown: Shown,
                    browser: str | None = None, prefetch: bool = False,
                    held: State | None = None) -> Response:
        """Render the resolution's regions; the browser gets them in one patch record, then the
        fills, then the regions placed inside the fills. A ``prefetch`` stops at loading
        boundaries: its patch is partial, and nothing streams. ``held``: the state a partial
        prefetch made, whose regions the browser holds: those that are still what they were
        (their entries, digests included, and all inside them) are not sent again."""
        async with self._renderer(request, resolution, prefetch=prefetch) as renderer:
            result = await renderer.render_all(resolution.renders)
            if isinstance(result, Parts):
                rendered = [self.answers.html(html) if item.parent is None else html
                            for item, html in zip(resolution.renders, result.html, strict=True)]
                target = resolution.target or self.model.plan_for(resolution.url,
                                                                  via=resolution.base)
                return await self.answers.patch(request, resolution, shown, renderer, rendered,
                                                browser, prefetch, held, target,
                                                self.binding(request))
        match result:  # (the renderer is closed: what it started has stopped)
            case Redirected(url):
                return answer(RedirectRecord(url))
            case Missing():  # the full load shows the not-found page
                return answer(Hard())
            case Failed(exc) if self.dev:
                return self.answers.overlay(
                    exc, f"error rendering {resolution.url} (soft navigation)")
            case Failed(exc):
                logger.error("error in a soft navigation to %s: loading it in full",
                             resolution.url, exc_info=exc)
                return answer(Hard())
        raise AssertionError(result)

    # -- refreshes --------------------------------------------------------------------------

    async def refresh(self, request: Request, resolution: Resolution, shown: Shown,
                      browser: str | None = None, **options: Any) -> Response:
        """Render everything the browser shows again (see :func:`resolve_refresh`), and send
        only the regions whose HTML changed (:mod:`panes.core.diff`). It streams like a
        navigation: what is ready goes in the first record; a slot behind ``loading.py``
        keeps what the browser shows of it until its content follows as a fill (so a field
        error after an action never waits for an unrelated slow slot). ``options`` go to the
        renderer (an action's result, or its failure)."""
        async with self._renderer(request, resolution, **options) as renderer:
            result = await renderer.result(resolution.renders[0], wait=True)
            if isinstance(result, Rendered):
                return self.answers.refresh(request, resolution, shown, browser, renderer, result,
                                            self.binding(request))
        match result:  # (the renderer is closed: what it started has stopped)
            case Redirected(url):
                return answer(RedirectRecord(url))
            case Missing():
                return answer(Hard())
            case Failed(exc) if self.dev:
                return self.answers.overlay(exc, f"error rendering {resolution.url} again")
            case Failed(exc):
                logger.error("error rendering %s again", resolution.url, exc_info=exc)
                return HTMLResponse(error_document(500, "Internal Server Error"), 500)
        raise AssertionError(result)

    # -- form posts -------------------------------------------------------------------------
