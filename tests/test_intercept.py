"""Intercepting routes, on the server: which soft navigation is intercepted, and panes check."""

from __future__ import annotations

import pytest
from conftest import write_app

from panes.appdir.check import analyze
from panes.core.match import Matcher, split_path
from panes.core.plan import describe
from panes.tools.cli import main

TREE = [
    "layout.py", "page.py", "@modal/default.py",
    "feed/page.py", "feed/photos/[id]/page.py", "feed/(.)photos/[id]/page.py",
    "photos/[id]/page.py", "photos/new/page.py", "@modal/(.)photos/[id]/page.py",
    "@modal/(.)photos/new/page.py",
    "users/[user]/page.py", "users/[user]/@modal/default.py", "users/[user]/layout.py",
    "users/[user]/@modal/(..)photo/[id]/page.py", "users/photo/[id]/page.py",
    "a/b/page.py", "a/b/(..)(..)c/page.py", "c/page.py",
    "x/page.py", "x/(...)docs/[...slug]/page.py", "docs/[...slug]/page.py",
    "items/layout.py", "items/page.py", "items/[id]/page.py", "items/@panel/default.py",
    "items/@panel/(.)[id]/page.py",
    "shots/[[...rest]]/page.py", "@modal/(.)shots/[[...rest]]/page.py",
]

# (from, to, the interception folder, its page and params | None when not intercepted)
CASES = [
    # (.) at the root: every page below / intercepts /photos/[id]
    ("/", "/photos/1", "@modal/(.)photos", "@modal: @modal/(.)photos/[id]/page.py {id=1}"),
    ("/a/b", "/photos/2", "@modal/(.)photos", "@modal: @modal/(.)photos/[id]/page.py {id=2}"),
    # a static interception beats a dynamic one
    ("/", "/photos/new", "@modal/(.)photos", "@modal: @modal/(.)photos/new/page.py"),
    # the deeper intercepting route wins for the same target: feed/(.)photos from /feed
    ("/feed", "/feed/photos/3", "feed/(.)photos", "children: feed/(.)photos/[id]/page.py {id=3}"),
    # ... but not from outside /feed
    ("/", "/feed/photos/3", None, None),
    # (..) climbs one URL level; params above the marker come from the background
    ("/users/ada", "/users/photo/9", "users/[user]/@modal/(..)photo",
     "users/[user]/@modal: users/[user]/@modal/(..)photo/[id]/page.py {user=ada, id=9}"),
    # (..)(..) climbs two
    ("/a/b", "/c", "a/b/(..)(..)c", "children: a/b/(..)(..)c/page.py"),
    ("/", "/c", None, None),
    # (...) is from the app root; a catch-all target gets the segments it matched
    ("/x", "/docs/a/b", "x/(...)docs", "children: x/(...)docs/[...slug]/page.py {slug=[a,b]}"),
    # a sibling dynamic interception: (.)[id] beside [id]
    ("/items", "/items/4", "items/@panel/(.)[id]", "items/@panel: items/@panel/(.)[id]/page.py {id=4}"),
    ("/items/3", "/items/4", "items/@panel/(.)[id]", "items/@panel: items/@panel/(.)[id]/page.py {id=4}"),
    # an optional catch-all interception: zero segments or more
    ("/", "/shots", "@modal/(.)shots", "@modal: @modal/(.)shots/[[...rest]]/page.py {rest=[]}"),
    ("/feed", "/shots/a/b", "@modal/(.)shots", "@modal: @modal/(.)shots/[[...rest]]/page.py {rest=[a,b]}"),
    # no interception for URLs that no interception route intercepts
    ("/", "/feed", None, None),
    ("/photos/1", "/", None, None),
]


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    return analyze(write_app(tmp_path_factory.mktemp("intercept") / "app", TREE))


@pytest.mark.parametrize(("origin", "target", "folder", "expected"), CASES)
def test_interception(analysis, origin, target, folder, expected):
    background = split_path(origin)
    item = Matcher(analysis.routes, analysis.interceptions).intercept(split_path(target), background)
    if folder is None:
        assert item is None
        return
    assert item is not None and item.folder.path == folder
    segments = item.segments(split_path(target), background)
    pages = "; ".join(p for p in describe(item.plan, segments).split("; ") if "(" in p and ")" in p)
    assert pages == expected


def test_no_problems_in_a_good_tree(analysis):
    assert analysis.problems == ()


@pytest.mark.parametrize(("files", "path", "words"), [
    # a marker above the root
    (["page.py", "@m/default.py", "layout.py", "@m/(..)x/page.py", "x/page.py"], "app/@m/(..)x",
     "climbs 1 level(s) but only 0"),
    # two interception routes for the same target from the same place
    (["layout.py", "page.py", "feed/page.py", "feed/layout.py", "feed/@m/default.py",
      "feed/@m/(.)p/[id]/page.py", "feed/@m/(..)feed/p/[id]/page.py", "feed/p/[id]/page.py"],
     "app/feed/@m/(.)p", "both intercept /feed/p/[id] from /feed"),
])
def test_interception_problems(tmp_path, files, path, words):
    problems = analyze(write_app(tmp_path / "app", files)).problems
    found = [p for p in problems if words in p.message]
    assert found, "\n".join(map(str, problems))
    assert found[0].path in (path, path.replace("(.)p", "(..)feed"))
    assert found[0].severity == "error"


def test_routes_explains_a_soft_navigation(tmp_path, capsys):
    app_dir = write_app(tmp_path / "app", TREE)
    assert main(["routes", str(app_dir), "--url", "/users/photo/9", "--from", "/users/ada"]) == 0
    out = capsys.readouterr().out
    assert "/users/photo/9 from /users/ada: intercepted by app/users/[user]/@modal/(..)photo" in out
    assert "users/[user]/@modal  app/users/[user]/@modal/(..)photo/[id]/page.py  params={'user': 'ada', 'id': '9'}" in out
    assert main(["routes", str(app_dir), "--url", "/feed/photos/3", "--from", "/"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("/feed/photos/3 from /: not intercepted")
    assert "children  app/feed/photos/[id]/page.py" in out
    assert main(["routes", str(app_dir)]) == 0
    assert "/photos/[id] from / and below -> app/@modal/(.)photos/[id]/page.py" in capsys.readouterr().out
