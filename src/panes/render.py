"""Rendering a plan into HTML: layouts first, then the slots they placed, concurrently.

A layout receives its slots as placeholder objects. What it returns is scanned for the
placeholders it placed; only those slots are rendered (a slot the layout leaves out never runs),
all at once, and spliced in, each inside region markers (``<!--panes:team-->…<!--/panes:team-->``)
that let the browser find and replace it. Each folder's ``error.py``, ``not_found.py`` and
``loading.py`` wrap each of its slots on its own, so a failure or a wait stays in its slot.

The before-first-byte rule. Everything outside a ``loading.py`` boundary is rendered before the
first byte is sent, so its outcomes settle the response: a redirect is a 307, a ``not_found()``
that no ``not_found.py`` catches (or a placed slot with nothing to show) is the root 404 page, an
error that no ``error.py`` catches is a 500, and a ``not_found()`` caught by a ``not_found.py``
makes the status 404. Inside a loading boundary the loading UI goes out in the first flush and
the content follows as a *fill*, in whatever order the boundaries finish; the status is 200 by
then, so a failure there renders in the stream instead: the nearest ``error.py`` (or
``not_found.py``) above it replaces the region it guards, a redirect becomes a script and a meta
refresh. A fill waits for the fill that holds its region, so fills always find their place.

The renderer never sees ASGI: it returns the text before the first flush, and yields fills.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import secrets
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request

from .context import LayoutContext, current_layout
from .errors import BadRequest, MissingSlot, NotFound, Redirect
from .html import builtin_not_found, to_html
from .loader import UserFunction, slot_argument
from .plan import Branch, Leaf, Outcome, ParamSpec
from .tree import CHILDREN

logger = logging.getLogger("panes")

Trail = tuple[tuple[Branch, str], ...]  # the (branch, region) pairs above a slot, outermost first


class SlotPlaceholder:
    """What a layout gets for each slot: inserting it (``__html__``) is what places it."""

    __slots__ = ("_token", "_name")

    def __init__(self, token: str, name: str) -> None:
        self._token = token
        self._name = name

    def __html__(self) -> str:
        return self._token

    __str__ = __html__

    def __add__(self, other: object) -> Markup:
        return Markup(self._token) + escape(other)

    def __radd__(self, other: object) -> Markup:
        return escape(other) + Markup(self._token)

    def __repr__(self) -> str:
        return f"<slot {self._name}>"


def region(region_id: str, html: str) -> str:
    """Slot content between the markers the browser finds it by."""
    return f"<!--panes:{region_id}-->{html}<!--/panes:{region_id}-->"


@dataclass(frozen=True, slots=True)
class Fill:
    """Content that arrives after the first flush: it replaces region ``target``'s content."""

    target: str | None  # None: not about a region (a redirect)
    html: str
    flushed: asyncio.Event  # set once this fill is sent: fills inside it wait for it


class Renderer:
    """Renders one request. Holds the status that boundaries may change (404) and the fills."""

    def __init__(self, functions: Mapping[str, UserFunction], request: Request,
                 segments: Sequence[str], *, stream: bool = True,
                 slot_timeout: float | None = None, dev: bool = False) -> None:
        self.functions = functions
        self.request = request
        self.segments = segments
        self.stream = stream
        self.slot_timeout = slot_timeout
        self.dev = dev
        self.status = 200
        nonce = secrets.token_hex(6)
        self._prefix = f"\ue000{nonce}:"
        self._pattern = re.compile(f"\ue000{nonce}:(\\d+)\ue001")
        self._next_id = 0
        self._fills: asyncio.Queue[Fill] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsent = 0

    # -- the tree ---------------------------------------------------------------------------

    async def branch(self, branch: Branch, prefix: str = "", trail: Trail = (),
                     flushed: asyncio.Event | None = None) -> str:
        """A folder's layout around the slots it placed; ``prefix`` names its slots' regions."""
        renders: dict[int, Callable[[], Awaitable[str]]] = {}
        placeholders: dict[str, SlotPlaceholder] = {}
        for key, outcome in branch.slots.items():
            slot_id = self._next_id
            self._next_id += 1
            placeholders[key] = SlotPlaceholder(f"{self._prefix}{slot_id}\ue001", key)
            region_id = f"{prefix}/{key}" if prefix else key
            renders[slot_id] = _bind(self.slot, branch, outcome, region_id, trail, flushed)
        layout = branch.node.file("layout")
        if layout is None:
            html = placeholders[CHILDREN].__html__()
        else:
            available = self._available(branch.params, layout=True)
            available[CHILDREN] = placeholders[CHILDREN]
            for key, placeholder in placeholders.items():
                if key != CHILDREN:
                    available[slot_argument(key)] = placeholder
            token = current_layout.set(LayoutContext(branch, self.segments))
            try:
                html = to_html(await self.call(layout, available))
            finally:
                current_layout.reset(token)
        return await self._fill_placeholders(html, renders)

    async def slot(self, branch: Branch, outcome: Outcome, region_id: str, trail: Trail,
                   flushed: asyncio.Event | None) -> str:
        """One slot of ``branch`` in its region, inside the folder's boundaries."""
        inner = (*trail, (branch, region_id))
        loading = branch.node.file("loading")
        if loading is not None and self.stream:
            html = to_html(await self.call(loading, self._available(branch.params)))
            self._spawn(self._streamed(branch, outcome, region_id, inner, flushed))
            return region(region_id, html)
        return region(region_id, await self.caught(branch, outcome, region_id, inner, flushed))

    async def caught(self, branch: Branch, outcome: Outcome, region_id: str, trail: Trail,
                     flushed: asyncio.Event | None) -> str:
        """The outcome, or the folder's not_found.py / error.py when it raises."""
        try:
            if self.slot_timeout is None:
                return await self.outcome(outcome, region_id, trail, flushed)
            async with asyncio.timeout(self.slot_timeout):
                return await self.outcome(outcome, region_id, trail, flushed)
        except (MissingSlot, Redirect, BadRequest):
            raise
        except NotFound:
            not_found = branch.node.file("not_found")
            if not_found is None:
                raise
            self.status = 404
            return to_html(await self.call(not_found, self._available(branch.params)))
        except Exception as exc:
            error = branch.node.file("error")
            if error is None:
                raise
            return await self._error(branch, error, exc, outcome)

    async def outcome(self, outcome: Outcome, region_id: str = "", trail: Trail = (),
                      flushed: asyncio.Event | None = None) -> str:
        if isinstance(outcome, Branch):
            return await self.branch(outcome, region_id, trail, flushed)
        return await self.leaf(outcome)

    async def leaf(self, leaf: Leaf) -> str:
        if leaf.kind == "missing":
            raise MissingSlot(leaf.node.path or CHILDREN)
        if leaf.kind == "empty":
            return ""
        if leaf.file is None:  # the root not_found.py is missing: panes's own
            return builtin_not_found()
        return to_html(await self.call(leaf.file, self._available(leaf.params)))

    async def call(self, file: str, available: Mapping[str, Any]) -> Any:
        fn = self.functions[file]
        result = fn.func(**fn.kwargs(available))
        if inspect.isawaitable(result):
            result = await result
        return result

    # -- after the first flush --------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        """Whether fills are still to come after the first flush."""
        return self._unsent > 0

    async def fills(self) -> AsyncIterator[Fill]:
        """The fills in the order they finish; the caller sets ``flushed`` once it sent one."""
        while self._unsent:
            fill = await self._fills.get()
            self._unsent -= 1
            yield fill

    def close(self) -> None:
        """Cancel what is still running (the client went away, or the response failed)."""
        for task in self._tasks:
            task.cancel()

    def _spawn(self, work: Awaitable[None]) -> None:
        self._unsent += 1
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _streamed(self, branch: Branch, outcome: Outcome, region_id: str, trail: Trail,
                        outer: asyncio.Event | None) -> None:
        flushed = asyncio.Event()
        target: str | None = region_id
        try:
            html = await self.caught(branch, outcome, region_id, trail, flushed)
        except Redirect as exc:
            target, html = None, _redirect_html(exc.url)
        except Exception as exc:  # noqa: BLE001 - every failure renders somewhere in the stream
            target, html = await self._escalate(exc, trail[:-1], region_id, outcome)
        if outer is not None:
            await outer.wait()
        self._fills.put_nowait(Fill(target, html, flushed))

    async def _escalate(self, exc: Exception, trail: Trail, region_id: str,
                        outcome: Outcome) -> tuple[str, str]:
        """A failure no boundary inside the streamed region caught: the nearest one above."""
        kind = "not_found" if isinstance(exc, NotFound) else "error"
        for branch, above in reversed(trail):
            file = branch.node.file(kind)
            if file is None:
                continue
            try:
                if kind == "error":
                    return above, await self._error(branch, file, exc, outcome)
                return above, to_html(await self.call(file, self._available(branch.params)))
            except Exception as again:  # noqa: BLE001 - the boundary failed: try the next one
                exc = again
        logger.error("error in %s after the response started", _describe(outcome), exc_info=exc)
        text = "This part of the page could not be loaded."
        if kind == "not_found":
            text = "This part of the page could not be found."
        details = ""
        if self.dev:
            details = f"<pre>{escape(''.join(traceback.format_exception(exc)))}</pre>"
        return region_id, f'<div role="alert">{text}</div>{details}'

    async def _error(self, branch: Branch, file: str, exc: Exception, outcome: Outcome) -> str:
        logger.error("error in %s, shown by %s", _describe(outcome), file, exc_info=exc)
        available = self._available(branch.params)
        available["error"] = exc
        return to_html(await self.call(file, available))

    # -- helpers ----------------------------------------------------------------------------

    def _available(self, params: ParamSpec, layout: bool = False) -> dict[str, Any]:
        available: dict[str, Any] = {
            "params": params.bind(self.segments),
            "request": self.request,
        }
        if not layout:
            available["search_params"] = self.request.query_params
        return available

    async def _fill_placeholders(self, html: str,
                                 renders: Mapping[int, Callable[[], Awaitable[str]]]) -> str:
        placed = [int(i) for i in dict.fromkeys(self._pattern.findall(html))]
        placed = [i for i in placed if i in renders]
        if not placed:
            return self._pattern.sub("", html)
        contents = await gather(*(renders[i]() for i in placed))
        filled = dict(zip(placed, contents, strict=True))
        return self._pattern.sub(lambda m: filled.get(int(m.group(1)), ""), html)


def _bind(method: Callable[..., Awaitable[str]], *args: Any) -> Callable[[], Awaitable[str]]:
    return lambda: method(*args)


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, Leaf):
        return outcome.file or outcome.node.path
    return outcome.node.path or "."


def _redirect_html(url: str) -> str:
    script = json.dumps(url).replace("</", "<\\/")
    return (f'<meta http-equiv="refresh" content="0;url={escape(url)}">'
            f"<script>location.replace({script})</script>")


async def gather(*awaitables: Awaitable[str]) -> list[str]:
    """Run concurrently; on the first failure cancel the rest and raise it."""
    if len(awaitables) == 1:
        return [await awaitables[0]]
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
