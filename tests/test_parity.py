"""Parity with Next.js: app layouts that Next.js builds must pass ``panes check``.

Each fixture restates the folder layout of one of Next.js's own end-to-end apps (test/e2e/app-dir/…),
or of an issue report, with ``page.py`` for ``page.js``; the stub functions return their own
path. Only the layout is carried over: the point is that ``panes check`` reports no error.
"""

from __future__ import annotations

import pytest
from conftest import visible, write_app
from test_navigation import SECRET, state_of

from panes import App
from panes.appdir.check import analyze

pytestmark = pytest.mark.anyio

# (name, files); every row is an app that Next.js builds, so panes check must find no error.
BUILDS = [
    # issue 15.1 (Next.js intercepting-routes-dynamic-catchall): the interception's catch-all is
    # more general than the page it intercepts
    ("catch-all interception over a dynamic page", [
        "layout.py", "photos/page.py", "photos/catchall/[id]/page.py",
        "photos/(.)catchall/[...id]/page.py",
        "photos/optional-catchall/[[...id]]/page.py",
        "photos/(.)optional-catchall/[[...id]]/page.py",
    ]),
    # the reverse: a dynamic interception of part of what a catch-all page serves
    ("dynamic interception under a catch-all page", [
        "layout.py", "page.py", "docs/[...slug]/page.py", "@modal/default.py",
        "@modal/(.)docs/[id]/page.py",
    ]),
    # a static interception of a URL that only a root catch-all serves
    # (Next.js parallel-routes-and-interception-catchall: (.)cart beside [...segments])
    ("static interception of a catch-all URL", [
        "layout.py", "page.py", "[...segments]/page.py", "@modal/default.py",
        "@modal/(.)cart/page.py",
    ]),
    # issue 15.2: a helper folder (no page below) under a catch-all
    ("helper folder under a catch-all", {
        "docs/[...slug]/page.py": "", "docs/[...slug]/components/card.py": "X = 1\n",
    }),
    # Next.js parallel-routes-leaf-segments (no-build-error): slots under a catch-all, one of
    # them holding folders with no page (not/routable/component.tsx)
    ("slots and a helper folder under a catch-all", {
        "layout.py": "", "page.py": "",
        "catch-all-with-parallel/[...slug]/layout.py": "",
        "catch-all-with-parallel/[...slug]/page.py": "",
        "catch-all-with-parallel/[...slug]/@header/page.py": "",
        "catch-all-with-parallel/[...slug]/@footer/page.py": "",
        "catch-all-with-parallel/[...slug]/@footer/not/routable/component.py": "X = 1\n",
    }),
    # Next.js interception-routes-multiple-catchall: (..)showcase/[...catchAll] from templates
    ("catch-all interception one level up", [
        "layout.py", "page.py", "[...catchAll]/page.py", "templates/page.py",
        "templates/[...catchAll]/page.py", "templates/(..)showcase/[...catchAll]/page.py",
    ]),
    # Next.js interception-routes-root-catchall
    ("catch-all interception beside a root catch-all", [
        "layout.py", "page.py", "default.py", "[...slug]/page.py", "items/[...ids]/page.py",
        "@modal/default.py", "@modal/(.)items/[...ids]/page.py",
    ]),
    # Next.js parallel-routes-and-interception-from-root: (...) with a param re-stated
    ("(...) interception with a param", [
        "layout.py", "[locale]/layout.py", "[locale]/page.py", "[locale]/intercepted/page.py",
        "[locale]/example/layout.py", "[locale]/example/page.py",
        "[locale]/example/@modal/default.py",
        "[locale]/example/@modal/(...)[locale]/intercepted/page.py",
    ]),
    # Next.js parallel-routes-catchall-specificity: a slot catch-all and a (...) interception
    ("slot catch-all beside a root interception", [
        "layout.py", "page.py", "trending/page.py", "u/[userName]/l/page.py",
        "comments/[productId]/page.py", "@modal/default.py", "@modal/[...catchAll]/page.py",
        "@modal/(...)comments/[productId]/page.py",
    ]),
    # Next.js interception-segments-two-levels-above
    ("(..)(..) interception", [
        "page.py", "foo/bar/page.py", "foo/bar/(..)(..)hoge/page.py", "hoge/page.py",
    ]),
]


@pytest.mark.parametrize(("name", "files"), BUILDS, ids=[b[0] for b in BUILDS])
def test_next_builds_it_so_panes_checks_it(tmp_path, name, files):
    analysis = analyze(write_app(tmp_path / "app", files))
    assert analysis.errors == (), "\n".join(map(str, analysis.errors))


# (files, the folder warned about, words of the warning); interceptions that can never meet a
# URL some page serves: not an error (Next.js builds them), but worth a warning.
NEVER_SERVED = [
    # nothing serves /ghost at all
    (["layout.py", "page.py", "@m/default.py", "@m/(.)ghost/page.py"], "app/@m/(.)ghost",
     "it intercepts /ghost, but no page serves any URL that matches it"),
    # /photos/[id] is served, /photos/[id]/edit is not
    (["layout.py", "page.py", "photos/[id]/page.py", "@m/default.py",
      "@m/(.)photos/[id]/edit/page.py"], "app/@m/(.)photos",
     "it intercepts /photos/[id]/edit, but no page serves"),
    # a catch-all needs one segment at least: /shop alone is never intercepted by (.)shop/[...x]
    (["layout.py", "page.py", "shop/page.py", "@m/default.py", "@m/(.)shop/[...x]/page.py"],
     "app/@m/(.)shop", "it intercepts /shop/[...x], but no page serves"),
]


@pytest.mark.parametrize(("files", "path", "words"), NEVER_SERVED)
def test_an_interception_of_nothing_served_is_a_warning(tmp_path, files, path, words):
    analysis = analyze(write_app(tmp_path / "app", files))
    assert analysis.errors == (), "\n".join(map(str, analysis.errors))
    [warning] = [p for p in analysis.warnings if p.path == path]
    assert words in warning.message and warning.fix


CATCH_ALL_APP = {
    "layout.py": "from markupsafe import Markup\n\ndef layout(children):\n"
                 "    return Markup('<html><body>') + children + Markup('</body></html>')\n",
    "photos/page.py": "from markupsafe import Markup\n\ndef page():\n"
                      "    return Markup('<a href=\"/photos/catchall/123\">open</a>')\n",
    "photos/catchall/[id]/page.py": "def page(params):\n    return 'Regular Page ' + params['id']\n",
    "photos/(.)catchall/[...id]/page.py":
        "def page(params):\n    return 'Intercepted Page ' + '/'.join(params['id'])\n",
}


async def test_a_catch_all_interception_intercepts_a_soft_navigation(tmp_path, client_for):
    """Issue 15.1, as Next.js behaves: a click shows the interception, a reload the page."""
    client = client_for(App(write_app(tmp_path / "app", CATCH_ALL_APP), secret=SECRET))
    hard = await client.get("/photos/catchall/123")
    assert hard.status_code == 200 and "Regular Page 123" in visible(hard.text)
    start = await client.get("/photos")
    soft = await client.get("/photos/catchall/123", headers={"Panes-State": state_of(start.text)})
    assert soft.status_code == 200
    assert "Intercepted Page 123" in soft.text and "Regular Page" not in soft.text


def _pattern(path: str):
    from panes.core.segments import parse_segment
    return tuple(parse_segment(p) for p in path.strip("/").split("/") if p)


# (pattern a, pattern b, whether some URL matches both)
OVERLAPS = [
    ("/photos/catchall/[...id]", "/photos/catchall/[id]", True),  # issue 15.1
    ("/photos/catchall/[...id]", "/photos/catchall", False),  # a catch-all needs a segment
    ("/photos/[[...id]]", "/photos", True),  # an optional one does not
    ("/a/[x]", "/a/b", True),
    ("/a/[x]", "/b/[x]", False),
    ("/a/[x]/c", "/a/[...rest]", True),
    ("/a/[x]/c", "/a/[y]/d", False),
    ("/[...a]", "/[[...b]]", True),
    ("/", "/[[...b]]", True),
    ("/", "/[...b]", False),
    ("/x/y", "/x", False),
]


@pytest.mark.parametrize(("a", "b", "expected"), OVERLAPS)
def test_overlaps(a, b, expected):
    from panes.core.routes import overlaps
    assert overlaps(_pattern(a), _pattern(b)) is expected
    assert overlaps(_pattern(b), _pattern(a)) is expected
