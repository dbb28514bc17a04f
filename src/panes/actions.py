"""A form posted to a page: its ``action()`` runs once, then the page shows the result.

What an action may return besides ``None`` (:func:`invalid`), how a post is checked before it
runs (same origin, a readable form within its limits), and what answers it.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from . import protocol
from .cookies import cookies_for
from .errors import BadRequest, NotFound, Redirect, within_mount
from .loader import function_key
from .origin import same_origin
from .protocol import Hard, RedirectRecord, StateRecord
from .resolve import children_leaf, not_found_document, resolve_load, resolve_refresh
from .state import Source
from .wrappers import answer, not_allowed

if TYPE_CHECKING:
    from .app import App, _Shown

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


async def act(app: App, request: Request, src: Source,
          browser: str | None = None) -> Response:
    """A form posted to a page's URL runs the page's ``action()`` (once: nothing here
    retries it), then shows the result.

    Without JavaScript: a ``redirect()`` (or an action that returns nothing) is a 303
    (Post/Redirect/Get; back to the browser's URL); an action that returns a value answers
    the page rendered with it as ``action_result`` (200, or 422 for :func:`panes.invalid`).
    From the runtime (it sends ``Panes-State``): everything the browser shows is rendered
    again (:meth:`App.refresh`), with the result; a ``redirect()`` re-signs the state for the
    cookies the action set, and sends the runtime there (it refreshes everything there).
    The cookies it set go with every answer, and every render after it sees them.
    """
    found = app.model.matcher.match(src.segments)
    page = children_leaf(found.plan) if found else None
    action = None
    if page is not None and page.kind == "page" and page.file:
        action = app.functions.get(function_key(page.file, "action"))
    if page is None or page.file is None or action is None:
        return not_allowed()
    if not same_origin(request):
        return PlainTextResponse("Forbidden: a form from another site", 403)
    try:
        form = await request.form(max_files=MAX_FORM_FIELDS, max_fields=MAX_FORM_FIELDS,
                                  max_part_size=MAX_FORM_PART)
    except Exception as exc:  # noqa: BLE001 - a malformed body is the client's, never a 500
        return PlainTextResponse(f"Bad request: the form cannot be read ({exc})", 400)
    if len(form) > MAX_FORM_FIELDS:
        return PlainTextResponse("Bad request: too many form fields", 400)
    soft = protocol.STATE_HEADER in request.headers
    shown: _Shown | None = None
    if soft:
        with contextlib.suppress(BadRequest):  # a stale state: the action still runs once
            shown = app._decode(request, request.headers[protocol.STATE_HEADER])
    cookies = cookies_for(request)
    available = {"params": page.params.bind(src.segments), "request": request,
                 "search_params": request.query_params, "form": form, "cookies": cookies,
                 "state": app.state_for(request)}
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
        logger.info("the action of %s raised: its error boundary shows it", page.file)
        failed = (page.file, exc)
    value, status = unwrap(result)
    options = {"action_result": value, "failed": failed}
    if not soft or shown is None:
        if result is None and failed is None:
            if soft:  # a stale state: load the page in full
                return cookies.apply(answer(RedirectRecord(within_mount(location, request.scope))))
            return cookies.apply(RedirectResponse(within_mount(location, request.scope), 303))
        response = await app.document(request, resolve_load(app.model, src), browser,
                                       stream=False, **options)
        if failed is not None and response.status_code == 200:
            response.status_code = 500
        elif response.status_code == 200:
            response.status_code = status
        response.headers["cache-control"] = protocol.PRIVATE
        return cookies.apply(response)
    resolution = resolve_refresh(app.model, shown.state, src.url)
    if resolution.hard:
        return cookies.apply(answer(Hard()))
    return cookies.apply(await app.refresh(request, resolution, shown, browser, **options))
