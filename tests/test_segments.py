"""One folder name → a Segment, table-driven: (name, kind, value, levels an interception climbs)."""

from __future__ import annotations

import pytest

from panes.core.segments import Kind, SegmentError, parse_segment

CASES = [
    ("settings", Kind.STATIC, "settings", None),
    ("page-views", Kind.STATIC, "page-views", None),
    ("café", Kind.STATIC, "café", None),  # any text that is not a convention
    ("[id]", Kind.DYNAMIC, "id", None),
    ("[this-is-my-route]", Kind.DYNAMIC, "this-is-my-route", None),  # hyphens, as in Next.js
    ("[...slug]", Kind.CATCH_ALL, "slug", None),
    ("[[...slug]]", Kind.OPTIONAL_CATCH_ALL, "slug", None),
    ("(marketing)", Kind.GROUP, "marketing", None),
    ("(group-a)", Kind.GROUP, "group-a", None),
    ("@team", Kind.SLOT, "team", None),
    ("@my-slot", Kind.SLOT, "my-slot", None),  # its keyword is my_slot
    ("@children", Kind.SLOT, "children", None),
    ("_ui", Kind.PRIVATE, "_ui", None),
    ("(.)photos", Kind.STATIC, "photos", 0),
    ("(..)photo", Kind.STATIC, "photo", 1),
    ("(..)(..)hoge", Kind.STATIC, "hoge", 2),
    ("(...)comments", Kind.STATIC, "comments", -1),
    ("(.)[id]", Kind.DYNAMIC, "id", 0),
    ("(.)[...slug]", Kind.CATCH_ALL, "slug", 0),
    ("(..)[[...rest]]", Kind.OPTIONAL_CATCH_ALL, "rest", 1),
]


@pytest.mark.parametrize(("name", "kind", "value", "climbs"), CASES)
def test_parse(name, kind, value, climbs):
    segment = parse_segment(name)
    assert (segment.kind, segment.value, segment.intercept) == (kind, value, climbs)


# (name, words of the problem): every name that follows no convention, with its fix
ERRORS = [
    ("@", "invalid slot name"),
    ("@1x", "invalid slot name"),
    ("@a b", "invalid slot name"),
    ("[id", "invalid dynamic segment"),
    ("[]", "invalid dynamic segment"),
    ("[...]", "invalid dynamic segment"),
    ("[[id]]", "invalid dynamic segment"),
    ("[..slug]", "invalid dynamic segment"),
    ("()", "invalid route group"),
    ("( a )", "invalid route group"),
    ("(....)x", "invalid route group or interception marker"),
    ("(.)", "names no route"),
    ("(.)(g)", "must be followed by a URL segment"),
    ("(.)@slot", "must be followed by a URL segment"),
    ("a[b]", "mixes text"),
    ("x@y", "mixes text"),
    ("..", "is not allowed"),
]


@pytest.mark.parametrize(("name", "words"), ERRORS)
def test_invalid_names(name, words):
    with pytest.raises(SegmentError) as info:
        parse_segment(name)
    assert words in info.value.problem
    assert info.value.fix
