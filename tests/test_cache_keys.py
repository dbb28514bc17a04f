"""Cache keys and URL paths: pure functions, as tables."""

from __future__ import annotations

import pytest

from panes.cache import below, build_id, cache_key, invalidated_by, normalize_path

BASE = {"file": "inbox/[id]/page.py", "params": {"id": "3"}, "search_params": None,
        "extra": None, "version": "v1"}

# (name, changes to BASE, whether the key stays the same)
KEY_TABLE = [
    ("same inputs", {}, True),
    ("another file", {"file": "inbox/[id]/layout.py"}, False),
    ("another param value", {"params": {"id": "4"}}, False),
    ("another deploy", {"version": "v2"}, False),
    ("query undeclared: not part of the key", {"search_params": None}, True),
    ("query declared, empty", {"search_params": []}, False),
    ("query declared", {"search_params": [("q", "x")]}, False),
    ("an extra read", {"extra": {"children": ["inbox"]}}, False),
    ("an empty extra is no extra", {"extra": {}}, True),
    ("a catch-all as a list", {"params": {"id": ["3"]}}, False),
]


@pytest.mark.parametrize(("name", "changes", "same"), KEY_TABLE, ids=[r[0] for r in KEY_TABLE])
def test_key_changes_with_what_the_output_depends_on(name: str, changes: dict[str, object],
                                                     same: bool) -> None:
    assert (cache_key(**{**BASE, **changes}) == cache_key(**BASE)) is same  # type: ignore[arg-type]


EQUAL_QUERIES = [
    ("names in any order", [("a", "1"), ("b", "2")], [("b", "2"), ("a", "1")]),
    ("interleaved names", [("a", "1"), ("b", "2"), ("a", "3")], [("a", "1"), ("a", "3"), ("b", "2")]),
]
DIFFERENT_QUERIES = [
    ("one name's values keep their order", [("t", "x"), ("t", "y")], [("t", "y"), ("t", "x")]),
    ("a value", [("q", "a")], [("q", "b")]),
    ("a repeated value", [("q", "a")], [("q", "a"), ("q", "a")]),
    ("separators cannot collide", [("a", "1&b=2")], [("a", "1"), ("b", "2")]),
]


@pytest.mark.parametrize(("name", "one", "other"), EQUAL_QUERIES, ids=[r[0] for r in EQUAL_QUERIES])
def test_equal_queries_share_a_key(name: str, one: list[tuple[str, str]],
                                   other: list[tuple[str, str]]) -> None:
    assert cache_key("page.py", {}, one) == cache_key("page.py", {}, other)


@pytest.mark.parametrize(("name", "one", "other"), DIFFERENT_QUERIES,
                         ids=[r[0] for r in DIFFERENT_QUERIES])
def test_different_queries_differ(name: str, one: list[tuple[str, str]],
                                  other: list[tuple[str, str]]) -> None:
    assert cache_key("page.py", {}, one) != cache_key("page.py", {}, other)


def test_params_order_does_not_matter_and_the_key_names_its_file() -> None:
    one = cache_key("a/[x]/[y]/page.py", {"x": "1", "y": "2"})
    assert one == cache_key("a/[x]/[y]/page.py", {"y": "2", "x": "1"})
    assert one.startswith("a/[x]/[y]/page.py#")
    assert len(cache_key("page.py", {}, [("q", "x" * 10_000)])) < 60


PATHS = [
    ("/inbox", "/inbox"), ("/inbox/", "/inbox"), ("inbox", "/inbox"), ("/", "/"), ("", "/"),
    ("/inbox?page=2#top", "/inbox"), ("/caf%C3%A9", "/café"), ("/inbox/*", "/inbox/*"),
    ("/*", "/*"),
]


@pytest.mark.parametrize(("given", "normal"), PATHS)
def test_path_spellings(given: str, normal: str) -> None:
    assert normalize_path(given) == normal


def test_a_path_invalidates_itself_and_the_regions_shown_below_its_ancestors() -> None:
    assert invalidated_by("/inbox/3/") == ["/inbox/3", "/*", "/inbox/*", "/inbox/3/*"]
    assert invalidated_by("/") == ["/", "/*"]
    assert below("/") == "/*"
    assert below("/inbox/") == "/inbox/*"


def test_build_id_follows_the_sources(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PANES_BUILD_ID", raising=False)
    (tmp_path / "page.py").write_text("def page(): return 'a'\n")
    first = build_id(tmp_path)
    assert build_id(tmp_path) == first
    (tmp_path / "page.py").write_text("def page(): return 'b'\n")
    assert build_id(tmp_path) != first
    monkeypatch.setenv("PANES_BUILD_ID", "release-7")
    assert build_id(tmp_path) == "release-7"
