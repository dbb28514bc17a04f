"""What a page's ``action()`` may return besides ``None``: a result the page renders with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
