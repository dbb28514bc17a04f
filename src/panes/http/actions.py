"""A form posted to a page: its ``action()`` runs once, then the page shows the result.

Any page on the screen may have an action (a slot's page, a modal): the post names it by the
hidden field its forms carry (``render/forms.py``), else it is the page of the posted URL. What
an action may return besides ``None`` (:func:`invalid`), how a post is checked before it runs
(same origin, a readable form within its limits, and the layouts: they are rendered first, and
the action runs only if they place its page for this request), and what answers it.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from panes.appdir.loader import function_key
from panes.core import protocol
from panes.core.errors import BadRequest, NotFound, PanesError, Redirect, within_mount
from panes.core.plan import Leaf
from panes.core.protocol import Hard, RedirectRecord, StateRecord
from panes.core.resolve import (
    Resolution,
    children_leaf,
    not_found_document,
    resolve_load,
    resolve_refresh,
)
from panes.core.state import Source
from panes.http.origin import same_origin
from panes.http.wrappers import answer
from panes.render.cookies import Cookies, cookies_for
from panes.render.forms import unmarked
from panes.render.html import error_document
from panes.render.render import Renderer
from panes.render.site import Site

if TYPE_CHECKING:
    from panes.http.answers import Shown
    from panes.http.pages import Pages

logger = logging.getLogger("panes")

MAX_FORM_FIELDS = 1000
MAX_FORM_PART = 1024 * 1024  # one field's value, in bytes


@dataclass(frozen=True, slots=True)
class Invalid:
    """An action's result that says the posted input is invalid: the page renders with
    ``result`` as ``action_result``, and a post without JavaScript is answered 422."""

    result: Any
    status: int = 422


def invalid(result: Any) -> Invalid:
    """Return this from an action when the input is invalid (field errors, say): the page is
    rendered again with ``action_result=result``, status 422 (as a form library expects)."""
    return Invalid(result)


def unwrap(result: Any) -> tuple[Any, int]:
    """The value pages get as ``action_result``, and the status of a page answering a post."""
    if isinstance(result, Invalid):
        return result.result, result.status
    return result, 200


class NoAction(PanesError):
    """A post that no ``action()`` serves, at a URL that has a page: answered 405 with why."""


class _Decider(Renderer):
    """The layouts of a resolution, rendered as a request renders them, with every page left
    empty: whether they place the page ``wanted`` (a layout that does not place its slot, or
    raises ``redirect()``/``not_found()``, refuses it), and from which URL it would render."""

    def __init__(self, site: Site, request: Request, resolution: Resolution, wanted: str,
                 state: Mapping[str, Any]) -> None:
        super().__init__(site, request, resolution, stream=False, state=state)
        self.calls.metadata = False  # (nothing is shown: no metadata() runs)
        self.wanted = wanted
        self.found: tuple[Leaf, Source] | None = None

    def leaf(self, leaf: Leaf, src: Source) -> Awaitable[str]:
        if leaf.kind == "missing":
            return super().leaf(leaf, src)  # a placed slot with nothing to show: a 404
        if leaf.file == self.wanted:
            self.found = (leaf, src)
        return _empty()


async def _empty() -> str:
    return ""


@dataclass(frozen=True, slots=True)
class Acted:
    """What an action came to, as a value: its result (and the status a page answering it
    without JavaScript has), the exception its page's error boundary shows, or where its
    ``redirect()`` sends the browser, or ``not_found()``."""

    result: Any = None
    status: int = 200
    failed: tuple[str, Exception] | None = None
    redirect: str | None = None
    missing: bool = False


async def act(pages: Pages, request: Request, src: Source,
              browser: str | None = None) -> Response:
    """A form posted to a URL runs the ``action()`` of the page that rendered it (the page
    its hidden field names, else the URL's own page), once, if the layouts place that page
    for this request; then shows the result.

    Without JavaScript: a ``redirect()`` (or an action that returns nothing) is a 303
    (Post/Redirect/Get; back to the browser's URL); an action that returns a value answers
    the page rendered with it as ``action_result`` (200, or 422 for :func:`panes.invalid`).
    From the runtime (it sends ``Panes-State``): everything the browser shows is rendered
    again (:meth:`App.refresh`), with the result; a ``redirect()`` re-signs the state for the
    cookies the action set, and sends the runtime there (it refreshes everything there).
    The cookies it set go with every answer, and every render after it sees them.
    """
    form = await _form(request)
    if isinstance(form, Response):
        return form
    form, token = unmarked(form)
    soft = protocol.STATE_HEADER in request.headers
    shown: Shown | None = None
    if soft:
        with contextlib.suppress(BadRequest):  # a stale state: decided as a hard load would
            shown = pages.decode(request, request.headers[protocol.STATE_HEADER])
    refresh = None if shown is None else resolve_refresh(pages.model, shown.state, src.url)
    if refresh is not None and refresh.hard:
        shown, refresh = None, None
    load = resolve_load(pages.model, src)
    found = pages.model.matcher.match(src.segments)
    page = _posted_page(pages, token, found)
    if page is None:
        return await _unserved(pages, request, src, browser, found, soft)
    # what the browser shows (a slot's page, a modal) when the form came from it; else what
    # a hard load of the URL shows
    decided = refresh if refresh is not None and token is not None else load
    placed = await _decide(pages, request, decided, page, src, browser, soft)
    if isinstance(placed, Response):
        return placed
    if placed is None:  # the layouts do not show the page to this request
        logger.info("a post to %s for %s, which its layouts do not place: refused", src.url,
                    page)
        if shown is not None and refresh is not None:
            return await pages.refresh(request, refresh, shown, browser)
        return _private(await pages.document(request, load, browser, stream=False), 403)
    cookies = cookies_for(request)
    acted = await _run(pages, request, page, *placed, src, form, cookies)
    return cookies.apply(await _answer(pages, request, src, browser, acted, shown, refresh, load))


async def _form(request: Request) -> Any:
    """The posted form (with panes's hidden field), or the refusal: another site's, or
    unreadable, or over the limits."""
    if not same_origin(request):
        return PlainTextResponse("Forbidden: a form from another site", 403)
    try:
        raw = await request.form(max_files=MAX_FORM_FIELDS, max_fields=MAX_FORM_FIELDS,
                                 max_part_size=MAX_FORM_PART)
    except Exception as exc:  # noqa: BLE001 - a malformed body is the client's, never a 500
        return PlainTextResponse(f"Bad request: the form cannot be read ({exc})", 400)
    if len(raw) > MAX_FORM_FIELDS:
        return PlainTextResponse("Bad request: too many form fields", 400)
    return raw


def _posted_page(pages: Pages, token: str | None, found: Any) -> str | None:
    """The page whose action the post runs: the one its hidden field names, else (a form
    without it: no JavaScript, another page's markup) the URL's own page, if it has one."""
    if token is not None:
        return pages.site.action_pages.get(token)
    if found is not None:
        leaf = children_leaf(found.plan)
        if leaf.kind == "page" and leaf.file in pages.site.actions:
            return leaf.file
    return None


async def _decide(pages: Pages, request: Request, decided: Resolution, page: str, src: Source,
                  browser: str | None, soft: bool) -> tuple[Leaf, Source] | Response | None:
    """Where the layouts place ``page`` for this request (its leaf and the URL it renders
    from), ``None`` when they do not, or the answer when they send the request elsewhere."""
    decider = _Decider(pages.site, request, decided, page, pages.state_for(request))
    async with decider:
        try:
            await decider.render(decided.renders[0])
        except Redirect as exc:  # a layout sends this request elsewhere: so does its post
            location = within_mount(exc.url, request.scope)
            return answer(RedirectRecord(location)) if soft else RedirectResponse(location, 303)
        except NotFound:
            if soft:
                return answer(Hard())
            return await pages.document(request, not_found_document(pages.model, src), browser)
        except BadRequest as exc:
            return PlainTextResponse(f"Bad request: {exc}", 400)
        except Exception:  # noqa: BLE001 - a layout failed: the page it would show is not shown
            logger.exception("error rendering the layouts of %s for a post", src.url)
            return HTMLResponse(error_document(500, "Internal Server Error"), 500)
        return decider.found


async def _run(pages: Pages, request: Request, page: str, leaf: Leaf, at: Source, src: Source,
               form: Any, cookies: Cookies) -> Acted:
    """Run the page's ``action()`` once, with the arguments it declares; what it came to."""
    action = pages.site.functions[function_key(page, "action")]
    search = request.query_params if at.query == src.query else QueryParams(at.query)
    available = {"params": leaf.params.bind(at.segments), "request": request,
                 "search_params": search, "form": form, "cookies": cookies,
                 "state": pages.state_for(request), "pathname": at.pathname}
    try:
        result = action.func(**action.kwargs(available))
        if inspect.isawaitable(result):
            result = await result
    except Redirect as exc:
        return Acted(redirect=within_mount(exc.url, request.scope))
    except NotFound:
        return Acted(missing=True)
    except Exception as exc:  # noqa: BLE001 - shown by the page's error boundary
        logger.info("the action of %s raised: its error boundary shows it", page)
        return Acted(failed=(page, exc))
    value, status = unwrap(result)
    return Acted(value, status)


async def _answer(pages: Pages, request: Request, src: Source, browser: str | None, acted: Acted,
                  shown: Shown | None, refresh: Resolution | None,
                  load: Resolution) -> Response:
    """The answer to a post whose action ran (see :func:`act`)."""
    soft = protocol.STATE_HEADER in request.headers
    if acted.redirect is not None:
        if not soft:
            return RedirectResponse(acted.redirect, 303)
        records: list[protocol.Record] = [RedirectRecord(acted.redirect)]
        if shown is not None:  # the same state, for the cookies the browser will hold
            wire = protocol.to_json(shown.state, pages.key, pages.binding(request))
            records.insert(0, StateRecord(protocol.state_update(shown.wire, wire)))
        return answer(*records)
    if acted.missing:
        return await pages.document(request, not_found_document(pages.model, src), browser)
    options = {"action_result": acted.result, "failed": acted.failed}
    if shown is not None and refresh is not None:
        return await pages.refresh(request, refresh, shown, browser, **options)
    if acted.result is None and acted.failed is None:
        location = within_mount(browser or src.url, request.scope)
        if soft:  # a stale state: load the page in full
            return answer(RedirectRecord(location))
        return RedirectResponse(location, 303)
    response = await pages.document(request, load, browser, stream=False, **options)
    return _private(response, 500 if acted.failed is not None else acted.status)


def _private(response: Response, status: int) -> Response:
    """A page answering a post: made for this request, with the post's status where it
    rendered (a 404 or an error page keeps its own)."""
    if response.status_code == 200:
        response.status_code = status
    response.headers["cache-control"] = protocol.PRIVATE
    return response


async def _unserved(pages: Pages, request: Request, src: Source, browser: str | None,
                    found: Any, soft: bool) -> Response:
    """A post that no action serves: a 404 where no page is, else a 405 that says why (under
    ``panes dev``, for the runtime, the error overlay over the page)."""
    if found is None:
        return await pages.document(request, not_found_document(pages.model, src), browser)
    leaf = children_leaf(found.plan)
    # the file is named under panes dev only: a production answer does not map the app
    file = f"{pages.site.app_name}/{leaf.file}" if leaf.file and pages.dev else "its page"
    error = NoAction(
        f"a form was posted to {src.url.partition('?')[0]}, and no action() serves it: "
        f"{file} defines no action() (a page's action() serves the forms it renders; "
        "a form in a page without one posts to its action attribute's URL)")
    if pages.dev and soft:
        return pages.answers.overlay(error, f"a post to {src.url}")
    message = f"Method Not Allowed: {error}"
    page = error_document(405, message, error if pages.dev else None)
    return HTMLResponse(page, 405, headers={"Allow": "GET, HEAD"})
