"""What a page may return: HTML, text, nothing, or a list of these; anything else is an error
that names what was returned and what to return instead."""

from __future__ import annotations

from decimal import Decimal

import pytest
from markupsafe import Markup
from starlette.responses import JSONResponse

from panes.core.errors import PanesError, UnrenderableValue
from panes.render.calls import to_html


class Element:
    """Anything with __html__ (htpy elements, Jinja2 output) is inserted as it is."""

    def __html__(self) -> str:
        return "<b>el</b>"


def _pieces():
    yield "a"
    yield Markup("<i>b</i>")


# (returned value, HTML)
RENDERS = [
    (Markup("<p>hi</p>"), "<p>hi</p>"),  # markup as it is
    (Element(), "<b>el</b>"),
    ("<script>", "&lt;script&gt;"),  # text is escaped
    ("", ""),
    (None, ""),  # nothing
    (False, ""),  # booleans are nothing, as in React: `cond and Markup(...)`
    (True, ""),
    (42, "42"),  # numbers are text, as React renders them
    (2.5, "2.5"),
    (Decimal("1.10"), "1.10"),
    (1 + 2j, "(1+2j)"),
    (["a", Markup("<br>"), None, 3], "a<br>3"),  # a list is its items in order
    (("x", ("y", ["z"])), "xyz"),  # nested
    (_pieces(), "a<i>b</i>"),  # a generator
    (map(str.upper, ["a", "b"]), "AB"),  # any iterator
]


@pytest.mark.parametrize(("value", "html"), RENDERS)
def test_renders(value, html):
    assert to_html(value) == html


# (returned value, how the error names it, words of the fix)
REFUSED = [
    ({"title": "x"}, "a dict", "use a route handler (route.py)"),  # JSON meant
    (b"<p>hi</p>", "bytes", "decode it first"),
    (bytearray(b"x"), "a bytearray", "decode it first"),
    (JSONResponse({}), "a JSONResponse", "to answer with a Response, use a route handler (route.py)"),
    ({"a", "b"}, "a set", "return a list"),  # unordered
    ({"a": 1}.keys(), "a dict_keys", "return a list"),
    (object(), "an object (<object object at", "a str for text"),
    ([1, {"a": 1}], "a dict inside a list", "route.py"),  # named where it is
    ((x for x in [b"x"]), "bytes inside a generator", "decode it first"),
]


@pytest.mark.parametrize(("value", "what", "fix"), REFUSED)
def test_refuses(value, what, fix):
    with pytest.raises(UnrenderableValue) as info:
        to_html(value)
    error = info.value
    assert error.what.startswith(what)
    assert fix in error.fix
    assert isinstance(error, PanesError) and isinstance(error, TypeError)


def test_refused_value_is_kept_for_the_caller():
    value = {"title": "x"}
    with pytest.raises(UnrenderableValue) as info:
        to_html(value)
    assert info.value.value is value
    assert str(info.value).startswith("returned a dict; return markup")
    assert info.value.describe("app/page.py", "page").startswith(
        "app/page.py: page() returned a dict; ")


def test_an_awaitable_says_to_await_it():
    async def helper():
        return "x"

    coroutine = helper()
    with pytest.raises(UnrenderableValue) as info:
        to_html(coroutine)
    coroutine.close()
    assert info.value.what == "a coroutine" and "await it" in info.value.fix

