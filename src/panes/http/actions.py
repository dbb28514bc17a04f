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
from panes.render.cookies import cookies_for
from panes.render.forms import unmarked
from panes.render.html import error_document
from panes.render.render import Renderer
from panes.render.site import Site

if TYPE_CHECKING:
    from panes.http.app import App, _Shown

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


async def act(app: App, request: Request, src: Source,
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
    if not same_origin(request):
        return PlainTextResponse("Forbidden: a form from another site", 403)
    try:
        raw = await request.form(max_files=MAX_FORM_FIELDS, max_fields=MAX_FORM_FIELDS,
                                 max_part_size=MAX_FORM_PART)
    except Exception as exc:  # noqa: BLE001 - a malformed body is the client's, never a 500
        return PlainTextResponse(f"Bad request: the form cannot be read ({exc})", 400)
    if len(raw) > MAX_FORM_FIELDS:
        return PlainTextResponse("Bad request: too many form fields", 400)
    form, token = unmarked(raw)
    soft = protocol.STATE_HEADER in request.headers
    shown: _Shown | None = None
    if soft:
        with contextlib.suppress(BadRequest):  # a stale state: decided as a hard load would
            shown = app._decode(request, request.headers[protocol.STATE_HEADER])
    refresh = None if shown is None else resolve_refresh(app.model, shown.state, src.url)
    if refresh is not None and refresh.hard:
        shown, refresh = None, None
    load = resolve_load(app.model, src)
    found = app.model.matcher.match(src.segments)
    page = app._site.action_pages.get(token) if token is not None else None
    if page is None and token is None and found is not None:
        leaf = children_leaf(found.plan)
        if leaf.kind == "page" and leaf.file in app._site.actions:
            page = leaf.file
    if page is None:
        return await _unserved(app, request, src, browser, found, soft)
    # what the browser shows (a slot's page, a modal) when the form came from it; else what
    # a hard load of the URL shows
    decided = refresh if refresh is not None and token is not None else load
    decider = _Decider(app._site, request, decided, page, app.state_for(request))
    try:
        await decider.render(decided.renders[0])
    except Redirect as exc:  # a layout sends this request elsewhere: so does its post
        location = within_mount(exc.url, request.scope)
        return answer(RedirectRecord(location)) if soft else RedirectResponse(location, 303)
    except NotFound:
        if soft:
            return answer(Hard())
        return await app.document(request, not_found_document(app.model, src), browser)
    except BadRequest as exc:
        return PlainTextResponse(f"Bad request: {exc}", 400)
    except Exception:  # noqa: BLE001 - a layout failed: the page it would show is not shown
        logger.exception("error rendering the layouts of %s for a post", src.url)
        return HTMLResponse(error_document(500, "Internal Server Error"), 500)
    finally:
        decider.fills.close()
    if decider.found is None:  # the layouts do not show the page to this request
        logger.info("a post to %s for %s, which its layouts do not place: refused", src.url,
                    page)
        if shown is not None and refresh is not None:
            return await app.refresh(request, refresh, shown, browser)
        response = await app.document(request, load, browser, stream=False)
        if response.status_code == 200:
            response.status_code = 403
        response.headers["cache-control"] = protocol.PRIVATE
        return response
    leaf, at = decider.found
    action = app.functions[function_key(page, "action")]
    cookies = cookies_for(request)
    search = request.query_params if at.query == src.query else QueryParams(at.query)
    available = {"params": leaf.params.bind(at.segments), "request": request,
                 "search_params": search, "form": form, "cookies": cookies,
                 "state": app.state_for(request), "pathname": decider.calls.pathname(at)}
    location = browser or src.url
    result: Any = None
    failed: tuple[str, Exception] | None = None
    try:
        result = action.func(**action.kwargs(available))
        if inspect.isawaitable(result):
            result = await result
    except Redirect as exc:
        if not soft:
            return cookies.apply(RedirectResponse(within_mount(exc.url, request.scope), 303))
        records: list[protocol.Record] = [RedirectRecord(within_mount(exc.url, request.scope))]
        if shown is not None:  # the same state, for the cookies the browser will hold
            wire = protocol.to_json(shown.state, app.key, app._binding(request))
            records.insert(0, StateRecord(protocol.state_update(shown.wire, wire)))
        return cookies.apply(answer(*records))
    except NotFound:
        return cookies.apply(
            await app.document(request, not_found_document(app.model, src), browser))
    except Exception as exc:  # noqa: BLE001 - shown by the page's error boundary
        logger.info("the action of %s raised: its error boundary shows it", page)
        failed = (page, exc)
    value, status = unwrap(result)
    options = {"action_result": value, "failed": failed}
    if shown is None or refresh is None:
        if result is None and failed is None:
            if soft:  # a stale state: load the page in full
                return cookies.apply(answer(RedirectRecord(within_mount(location, request.scope))))
            return cookies.apply(RedirectResponse(within_mount(location, request.scope), 303))
        response = await app.document(request, load, browser, stream=False, **options)
        if failed is not None and response.status_code == 200:
            response.status_code = 500
        elif response.status_code == 200:
            response.status_code = status
        response.headers["cache-control"] = protocol.PRIVATE
        return cookies.apply(response)
    return cookies.apply(await app.refresh(request, refresh, shown, browser, **options))


async def _unserved(app: App, request: Request, src: Source, browser: str | None,
                    found: Any, soft: bool) -> Response:
    """A post that no action serves: a 404 where no page is, else a 405 that says why (under
    ``panes dev``, for the runtime, the error overlay over the page)."""
    if found is None:
        return await app.document(request, not_found_document(app.model, src), browser)
    leaf = children_leaf(found.plan)
    # the file is named under panes dev only: a production answer does not map the app
    file = f"{app.app_dir.name}/{leaf.file}" if leaf.file and app.dev else "its page"
    error = NoAction(
        f"a form was posted to {src.url.partition('?')[0]}, and no action() serves it: "
        f"{file} defines no action() (a page's action() serves the forms it renders; "
        "a form in a page without one posts to its action attribute's URL)")
    if app.dev and soft:
        return app._overlay(error, f"a post to {src.url}")
    message = f"Method Not Allowed: {error}"
    page = error_document(405, message, error if app.dev else None)
    return HTMLResponse(page, 405, headers={"Allow": "GET, HEAD"})
