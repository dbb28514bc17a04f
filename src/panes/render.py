"""Rendering a plan into HTML: layouts first, then the slots they placed, concurrently.

A layout receives its slots as placeholder objects. What it returns is scanned for the
placeholders it placed; only those slots are rendered (a slot the layout leaves out never runs),
all at once, and spliced in. Each folder's ``error.py`` and ``not_found.py`` wrap each of its
slots on its own, so a failure replaces only the slot it happened in.

The renderer sees no ASGI message: the ASGI layer asks it for text and sends it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
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
        return Markup(self._token) + other

    def __radd__(self, other: object) -> Markup:
        return escape(other) + Markup(self._token)

    def __repr__(self) -> str:
        return f"<slot {self._name}>"


class Renderer:
    """Renders one request's plan. Holds the status that boundaries may change (404)."""

    def __init__(self, functions: Mapping[str, UserFunction], request: Request,
                 segments: Sequence[str]) -> None:
        self.functions = functions
        self.request = request
        self.segments = segments
        self.status = 200
        nonce = secrets.token_hex(6)
        self._prefix = f"\ue000{nonce}:"
        self._pattern = re.compile(f"\ue000{nonce}:(\\d+)\ue001")
        self._next_id = 0

    async def outcome(self, outcome: Outcome) -> str:
        if isinstance(outcome, Branch):
            return await self.branch(outcome)
        return await self.leaf(outcome)

    async def branch(self, branch: Branch) -> str:
        node = branch.node
        renders: dict[int, Callable[[], Awaitable[str]]] = {}
        placeholders: dict[str, SlotPlaceholder] = {}
        for key, outcome in branch.slots.items():
            slot_id = self._next_id
            self._next_id += 1
            placeholders[key] = SlotPlaceholder(f"{self._prefix}{slot_id}\ue001", key)
            renders[slot_id] = _bind(self.boundary, branch, outcome)
        layout = node.file("layout")
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
        return await self._fill(html, renders)

    async def boundary(self, branch: Branch, outcome: Outcome) -> str:
        """One slot of ``branch``, inside the folder's not_found.py and error.py."""
        node = branch.node
        try:
            return await self.outcome(outcome)
        except (MissingSlot, Redirect, BadRequest):
            raise
        except NotFound:
            not_found = node.file("not_found")
            if not_found is None:
                raise
            self.status = 404
            return to_html(await self.call(not_found, self._available(branch.params)))
        except Exception as exc:
            error = node.file("error")
            if error is None:
                raise
            logger.error("error in %s, shown by %s", _describe(outcome), error, exc_info=exc)
            available = self._available(branch.params)
            available["error"] = exc
            return to_html(await self.call(error, available))

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

    def _available(self, params: ParamSpec, layout: bool = False) -> dict[str, Any]:
        available: dict[str, Any] = {
            "params": params.bind(self.segments),
            "request": self.request,
        }
        if not layout:
            available["search_params"] = self.request.query_params
        return available

    async def _fill(self, html: str, renders: Mapping[int, Callable[[], Awaitable[str]]]) -> str:
        placed = [int(i) for i in dict.fromkeys(self._pattern.findall(html))]
        placed = [i for i in placed if i in renders]
        if not placed:
            return self._pattern.sub("", html)
        contents = await gather(*(renders[i]() for i in placed))
        filled = dict(zip(placed, contents, strict=True))
        return self._pattern.sub(lambda m: filled.get(int(m.group(1)), ""), html)


def _bind(method: Callable[[Branch, Outcome], Awaitable[str]], branch: Branch,
          outcome: Outcome) -> Callable[[], Awaitable[str]]:
    return lambda: method(branch, outcome)


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, Leaf):
        return outcome.file or outcome.node.path
    return outcome.node.path or "."


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
