"""URL matching, table-driven: which route serves a URL and what every slot shows on a hard load.

Each case is ``(tree, url, expected)``. ``expected`` is ``None`` when no route serves the URL,
else ``"<route pattern> | <describe(plan, segments)>"``, where ``describe`` lists every slot leaf
as ``label: file {params}`` (``404`` for a slot with neither a match nor a default). The trees
are small app directories (empty files: scanning reads names only), written once per module.

Rules are those of CONTRACT.md and NEXTJS-SEMANTICS.md section A (cited as "A2 rule 12" etc.).
"""

# ruff: noqa: E501  (one case per line: the tables read as tables)

from __future__ import annotations

from pathlib import Path

import pytest

from panes.appdir.scan import scan
from panes.core.errors import BadRequest
from panes.core.match import MAX_PATH_BYTES, Matcher, split_path
from panes.core.plan import Branch, Leaf, Outcome, describe
from panes.core.routes import build_routes

# --------------------------------------------------------------------------------------------
# The app trees (paths relative to the app directory)
# --------------------------------------------------------------------------------------------

TREES: dict[str, list[str]] = {
    # root slots: a routable-only-through-a-slot URL, children default.py, a slot without default
    "dash": [
        "layout.py", "page.py", "default.py",
        "@team/layout.py", "@team/page.py", "@team/default.py", "@team/settings/page.py",
        "@team/members/[uid]/page.py",
        "@analytics/page.py", "@analytics/views/page.py",
        "projects/page.py", "projects/new/page.py", "projects/[id]/page.py",
    ],
    # the same without any default.py: unmatched slots are 404
    "bare": ["layout.py", "page.py", "@team/page.py", "@team/settings/page.py", "about/page.py"],
    # a root slot page without a root page (A2 rule 14, rule 19)
    "rootslot": ["layout.py", "default.py", "@slot/page.py", "@slot/x/page.py"],
    # specificity and backtracking in the children chain
    "spec": [
        "page.py", "about/page.py", "[x]/page.py", "[x]/[y]/page.py", "[x]/b/d/page.py",
        "a/b/c/page.py",
        "docs/page.py", "docs/intro/page.py", "docs/[ver]/page.py", "docs/[...slug]/page.py",
        "files/[[...path]]/page.py", "files/readme/page.py",
    ],
    # a root optional catch-all under static routes
    "optional": ["[[...all]]/page.py", "shop/page.py", "shop/[...p]/page.py"],
    # a root required catch-all: needs one segment at least
    "required": ["[...slug]/page.py", "blog/page.py", "blog/[id]/page.py"],
    # slot catch-alls filling a root slot (A1 rule 4, A2 rule 12)
    "crumbs": [
        "layout.py", "page.py",
        "@crumbs/default.py", "@crumbs/[...path]/page.py", "@crumbs/shop/[...p]/page.py",
        "@crumbs/about/page.py", "@crumbs/shop/[id]/details/page.py",
        "about/page.py", "shop/page.py", "shop/[id]/page.py", "shop/[id]/details/page.py",
        "blog/[slug]/page.py",
    ],
    # a slot below a URL segment: its catch-all holds only the segments below shop
    "shop": [
        "layout.py", "page.py", "shop/layout.py", "shop/page.py", "shop/[cat]/page.py",
        "shop/[cat]/[item]/page.py",
        "shop/@crumbs/default.py", "shop/@crumbs/[...p]/page.py", "shop/@crumbs/sale/page.py",
    ],
    # params across slots and nesting (A2 rule 11, as CONTRACT.md restricts it: own path only)
    "teams": [
        "[team]/layout.py", "[team]/page.py", "[team]/[id]/page.py", "[team]/settings/page.py",
        "[team]/@stats/default.py", "[team]/@stats/[id]/page.py", "[team]/@stats/[...rest]/page.py",
        "[team]/@stats/live/page.py",
    ],
    # slots below a catch-all folder get its value too
    "docs": [
        "docs/[...slug]/layout.py", "docs/[...slug]/page.py", "docs/[...slug]/@toc/page.py",
        "docs/[...slug]/@meta/default.py",
    ],
    # a deeper default.py beats a top-level optional catch-all (A2 rules 12, 13; catchall-default)
    "catchdefault": [
        "layout.py", "[[...catchAll]]/page.py",
        "[foo]/[bar]/layout.py", "[foo]/[bar]/default.py", "[foo]/[bar]/@slot/page.py",
        "[foo]/[bar]/@slot/x/page.py", "[foo]/baz/@slot/page.py",
    ],
    # a children catch-all fills children for a URL routable only through a slot (A1 rule 4)
    "fill": [
        "layout.py", "page.py", "default.py", "[...catchAll]/page.py",
        "@s/page.py", "@s/default.py", "@s/foo/page.py", "@s/deep/er/page.py",
    ],
    # route groups: no URL segment, nested groups, a slot inside a group, groups inside slots
    "groups": [
        "layout.py", "default.py",
        "(marketing)/layout.py", "(marketing)/page.py", "(marketing)/about/page.py",
        "(shop)/layout.py", "(shop)/cart/page.py", "(shop)/(checkout)/pay/page.py",
        "(shop)/@side/default.py", "(shop)/@side/cart/page.py",
        "@a/default.py", "@a/(g1)/x/page.py", "@b/default.py", "@b/(g2)/x/page.py",
    ],
    # A2 rule 15: a group whose layout holds only a slot (parallel-routes-catchall-groups)
    "rule15": [
        "(group-a)/layout.py", "(group-a)/@parallel/[...catcher]/page.py",
        "(group-b)/page.py", "(group-b)/foo/page.py",
    ],
    # A1 rule 5: a page inside a @slot that duplicates a children page is ignored (the conflict
    # itself is checked in PROBLEM_CASES)
    "slotdup": [
        "parallel/layout.py", "parallel/page.py", "parallel/nested-2/page.py",
        "parallel/(new)/layout.py", "parallel/(new)/@baz/nested-2/page.py",
        "parallel/(new)/@baz/other/page.py",
    ],
    # @children is children
    "atchildren": [
        "layout.py", "@children/page.py", "@children/about/page.py", "@children/default.py",
        "@team/page.py", "@team/default.py", "@team/members/page.py",
    ],
    # private folders and interception folders make no routes
    "misc": [
        "layout.py", "page.py", "_components/page.py", "_lib/x/page.py", "shop/_parts/page.py",
        "shop/page.py", "@modal/_parts/page.py",
        "photo/[id]/page.py", "feed/page.py", "feed/(.)photo/[id]/page.py",
        "@modal/default.py", "@modal/(.)photo/[id]/page.py", "@modal/(...)login/page.py",
        "feed/(..)gallery/page.py", "feed/(.)[slug]/page.py",
    ],
    # a slot nested in a slot, each level with its own layout
    "nested": [
        "layout.py", "page.py", "default.py",
        "@analytics/layout.py", "@analytics/default.py", "@analytics/page.py",
        "@analytics/views/layout.py", "@analytics/views/page.py", "@analytics/views/default.py",
        "@analytics/views/@chart/default.py", "@analytics/views/@chart/page.py",
        "@analytics/views/@chart/weekly/page.py",
    ],
    # percent-decoding, unicode and odd static folder names
    "enc": [
        "page.py", "[x]/page.py", "[x]/[y]/page.py", "café/page.py", "日本/page.py",
        "a b/page.py", "100%/page.py",
    ],
    # one layout, five named slots with every kind of outcome
    "many": [
        "layout.py", "page.py",
        "@a/page.py", "@a/default.py", "@a/x/page.py",
        "@b/default.py", "@b/y/page.py",
        "@c/x/page.py",
        "@d/default.py", "@d/[...rest]/page.py",
        "@e/[[...opt]]/page.py",
    ],
}


def write_tree(root: Path, files: list[str]) -> Path:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return root


@pytest.fixture(scope="module")
def matchers(tmp_path_factory):
    """Each tree scanned once for the module: its Matcher, built on first use."""
    built: dict[str, Matcher] = {}

    def get(name: str) -> Matcher:
        if name not in built:
            app_dir = write_tree(tmp_path_factory.mktemp(name) / "app", TREES[name])
            scanned = scan(app_dir)
            assert not scanned.problems, scanned.problems
            routes, _ = build_routes(scanned.root)
            built[name] = Matcher(routes)
        return built[name]

    return get


def resolve(matcher: Matcher, url: str | bytes) -> str | None:
    found = matcher.match(split_path(url))
    if found is None:
        return None
    return f"{found.route.path} | {describe(found.plan, found.segments)}"


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------

CASES = [
    # -- root page and root slot pages (A2 rule 14); slot order: children, then slots by name
    ("dash", "/", "/ | children: page.py; @analytics: @analytics/page.py; @team: @team/page.py"),
    ("bare", "/", "/ | children: page.py; @team: @team/page.py"),
    # -- a URL routable only through a slot page (A1 rule 2): children falls back to default.py ...
    ("dash", "/settings", "/settings | children: default.py; @analytics: 404; @team: @team/settings/page.py"),
    ("dash", "/views", "/views | children: default.py; @analytics: @analytics/views/page.py; @team: @team/default.py"),
    ("dash", "/members/u1", "/members/[uid] | children: default.py; @analytics: 404; @team: @team/members/[uid]/page.py {uid=u1}"),
    # ... or is 404 without one (A2 rule 9-10)
    ("bare", "/settings", "/settings | children: 404; @team: @team/settings/page.py"),
    # -- named slot: default.py when it has one, else 404
    ("dash", "/projects", "/projects | children: projects/page.py; @analytics: 404; @team: @team/default.py"),
    ("dash", "/projects/new", "/projects/new | children: projects/new/page.py; @analytics: 404; @team: @team/default.py"),
    ("dash", "/projects/3", "/projects/[id] | children: projects/[id]/page.py {id=3}; @analytics: 404; @team: @team/default.py"),
    ("bare", "/about", "/about | children: about/page.py; @team: 404"),
    # -- no page in any slot: no route (a folder without page.py is not reachable)
    ("dash", "/members", None),
    ("dash", "/projects/3/edit", None),
    ("dash", "/nope", None),
    ("bare", "/about/x", None),
    # -- a root slot page without a root page: children shows the root default.py (A2 rules 14, 19)
    ("rootslot", "/", "/ | children: default.py; @slot: @slot/page.py"),
    ("rootslot", "/x", "/x | children: default.py; @slot: @slot/x/page.py"),
    ("rootslot", "/y", None),
    # -- specificity: static > dynamic > catch-all > optional catch-all (A2 rule 12)
    ("spec", "/", "/ | children: page.py"),
    ("spec", "/about", "/about | children: about/page.py"),
    ("spec", "/zzz", "/[x] | children: [x]/page.py {x=zzz}"),
    ("spec", "/docs", "/docs | children: docs/page.py"),
    ("spec", "/docs/intro", "/docs/intro | children: docs/intro/page.py"),
    ("spec", "/docs/v2", "/docs/[ver] | children: docs/[ver]/page.py {ver=v2}"),
    ("spec", "/docs/v2/api", "/docs/[...slug] | children: docs/[...slug]/page.py {slug=[v2,api]}"),
    ("spec", "/docs/intro/x", "/docs/[...slug] | children: docs/[...slug]/page.py {slug=[intro,x]}"),
    ("spec", "/files/readme", "/files/readme | children: files/readme/page.py"),
    ("spec", "/files/a/b", "/files/[[...path]] | children: files/[[...path]]/page.py {path=[a,b]}"),
    ("spec", "/files/readme/x", "/files/[[...path]] | children: files/[[...path]]/page.py {path=[readme,x]}"),
    # -- optional catch-all matching zero segments
    ("spec", "/files", "/files/[[...path]] | children: files/[[...path]]/page.py {path=[]}"),
    # -- backtracking: a static prefix that leads nowhere gives way to the dynamic branch
    ("spec", "/a/b/c", "/a/b/c | children: a/b/c/page.py"),
    ("spec", "/a/b/d", "/[x]/b/d | children: [x]/b/d/page.py {x=a}"),
    ("spec", "/a/b", "/[x]/[y] | children: [x]/[y]/page.py {x=a, y=b}"),
    ("spec", "/about/x", "/[x]/[y] | children: [x]/[y]/page.py {x=about, y=x}"),
    ("spec", "/q/b/d", "/[x]/b/d | children: [x]/b/d/page.py {x=q}"),
    ("spec", "/a/b/e", None),
    ("spec", "/a/b/c/d", None),
    ("spec", "/a", "/[x] | children: [x]/page.py {x=a}"),
    # -- a root optional catch-all: zero segments at /, static routes first, its value is the path
    ("optional", "/", "/[[...all]] | children: [[...all]]/page.py {all=[]}"),
    ("optional", "/x/y", "/[[...all]] | children: [[...all]]/page.py {all=[x,y]}"),
    ("optional", "/shop", "/shop | children: shop/page.py"),
    ("optional", "/shop/x/y", "/shop/[...p] | children: shop/[...p]/page.py {p=[x,y]}"),
    # -- a required catch-all needs one segment; backtracking from a static prefix reaches it
    ("required", "/", None),
    ("required", "/blog", "/blog | children: blog/page.py"),
    ("required", "/blog/7", "/blog/[id] | children: blog/[id]/page.py {id=7}"),
    ("required", "/blog/7/comments", "/[...slug] | children: [...slug]/page.py {slug=[blog,7,comments]}"),
    ("required", "/x", "/[...slug] | children: [...slug]/page.py {slug=[x]}"),
    # -- a slot catch-all fills its slot for every deeper URL without an explicit page in it (A1 rule 4)
    ("crumbs", "/", "/ | children: page.py; @crumbs: @crumbs/default.py"),
    ("crumbs", "/about", "/about | children: about/page.py; @crumbs: @crumbs/about/page.py"),
    ("crumbs", "/blog/hello", "/blog/[slug] | children: blog/[slug]/page.py {slug=hello}; @crumbs: @crumbs/[...path]/page.py {path=[blog,hello]}"),
    ("crumbs", "/shop", "/shop | children: shop/page.py; @crumbs: @crumbs/[...path]/page.py {path=[shop]}"),
    # the more specific catch-all wins; its value holds only the segments it matched (CONTRACT)
    ("crumbs", "/shop/3", "/shop/[id] | children: shop/[id]/page.py {id=3}; @crumbs: @crumbs/shop/[...p]/page.py {p=[3]}"),
    # a deeper explicit slot page beats a shallower catch-all (A2 rule 12)
    ("crumbs", "/shop/3/details", "/shop/[id]/details | children: shop/[id]/details/page.py {id=3}; @crumbs: @crumbs/shop/[id]/details/page.py {id=3}"),
    # a slot catch-all makes URLs routable; children has no page there and no default
    ("crumbs", "/shop/a/b", "/shop/[...p] | children: 404; @crumbs: @crumbs/shop/[...p]/page.py {p=[a,b]}"),
    ("crumbs", "/nope/x/y", "/[...path] | children: 404; @crumbs: @crumbs/[...path]/page.py {path=[nope,x,y]}"),
    # -- a slot below shop: catch-all values are the segments below shop only
    ("shop", "/shop", "/shop | children: shop/page.py; shop/@crumbs: shop/@crumbs/default.py"),
    ("shop", "/shop/x", "/shop/[cat] | children: shop/[cat]/page.py {cat=x}; shop/@crumbs: shop/@crumbs/[...p]/page.py {p=[x]}"),
    ("shop", "/shop/x/y", "/shop/[cat]/[item] | children: shop/[cat]/[item]/page.py {cat=x, item=y}; shop/@crumbs: shop/@crumbs/[...p]/page.py {p=[x,y]}"),
    ("shop", "/shop/x/y/z", "/shop/[...p] | children: 404; shop/@crumbs: shop/@crumbs/[...p]/page.py {p=[x,y,z]}"),
    # a static page in the slot is a route of its own, more specific than children's [cat] (A1 rule 2)
    ("shop", "/shop/sale", "/shop/sale | children: 404; shop/@crumbs: shop/@crumbs/sale/page.py"),
    ("shop", "/", "/ | children: page.py"),
    # -- params across slots and nesting: every file gets the params of its own path
    ("teams", "/acme", "/[team] | children: [team]/page.py {team=acme}; [team]/@stats: [team]/@stats/default.py {team=acme}"),
    ("teams", "/acme/7", "/[team]/[id] | children: [team]/[id]/page.py {team=acme, id=7}; [team]/@stats: [team]/@stats/[id]/page.py {team=acme, id=7}"),
    ("teams", "/acme/live", "/[team]/live | children: 404 {team=acme}; [team]/@stats: [team]/@stats/live/page.py {team=acme}"),
    # only catch-alls fill other URLs' slots, never a plain [id] (A1 rule 4)
    ("teams", "/acme/settings", "/[team]/settings | children: [team]/settings/page.py {team=acme}; [team]/@stats: [team]/@stats/[...rest]/page.py {team=acme, rest=[settings]}"),
    ("teams", "/acme/a/b", "/[team]/[...rest] | children: 404 {team=acme}; [team]/@stats: [team]/@stats/[...rest]/page.py {team=acme, rest=[a,b]}"),
    ("teams", "/", None),
    # -- slots below a catch-all folder: the same value in every slot
    ("docs", "/docs/a/b", "/docs/[...slug] | children: docs/[...slug]/page.py {slug=[a,b]}; docs/[...slug]/@meta: docs/[...slug]/@meta/default.py {slug=[a,b]}; docs/[...slug]/@toc: docs/[...slug]/@toc/page.py {slug=[a,b]}"),
    ("docs", "/docs", None),
    # -- a deeper default.py beats a top-level catch-all for children (A2 rules 12-13)
    ("catchdefault", "/a/b", "/[foo]/[bar] | children: [foo]/[bar]/default.py {foo=a, bar=b}; [foo]/[bar]/@slot: [foo]/[bar]/@slot/page.py {foo=a, bar=b}"),
    ("catchdefault", "/a/b/x", "/[foo]/[bar]/x | children: [foo]/[bar]/default.py {foo=a, bar=b}; [foo]/[bar]/@slot: [foo]/[bar]/@slot/x/page.py {foo=a, bar=b}"),
    # ... slot folders claim no URL they have no page for: the catch-all serves it (rule 13)
    ("catchdefault", "/", "/[[...catchAll]] | children: [[...catchAll]]/page.py {catchAll=[]}"),
    ("catchdefault", "/a", "/[[...catchAll]] | children: [[...catchAll]]/page.py {catchAll=[a]}"),
    ("catchdefault", "/a/b/c", "/[[...catchAll]] | children: [[...catchAll]]/page.py {catchAll=[a,b,c]}"),
    ("catchdefault", "/a/b/x/y", "/[[...catchAll]] | children: [[...catchAll]]/page.py {catchAll=[a,b,x,y]}"),
    # ... no default.py at [foo]/baz: 404, the top-level catch-all does not reach down there
    ("catchdefault", "/a/baz", "/[foo]/baz | children: 404 {foo=a}; [foo]/baz/@slot: [foo]/baz/@slot/page.py {foo=a}"),
    # -- a children catch-all fills children for a slot-only URL, before the default (A1 rule 4)
    ("fill", "/", "/ | children: page.py; @s: @s/page.py"),
    ("fill", "/foo", "/foo | children: [...catchAll]/page.py {catchAll=[foo]}; @s: @s/foo/page.py"),
    ("fill", "/deep/er", "/deep/er | children: [...catchAll]/page.py {catchAll=[deep,er]}; @s: @s/deep/er/page.py"),
    ("fill", "/bar", "/[...catchAll] | children: [...catchAll]/page.py {catchAll=[bar]}; @s: @s/default.py"),
    # -- route groups add no URL segment; each group keeps its layout and slots
    ("groups", "/", "/ | children: (marketing)/page.py; @a: @a/default.py; @b: @b/default.py"),
    ("groups", "/about", "/about | children: (marketing)/about/page.py; @a: @a/default.py; @b: @b/default.py"),
    ("groups", "/cart", "/cart | children: (shop)/cart/page.py; (shop)/@side: (shop)/@side/cart/page.py; @a: @a/default.py; @b: @b/default.py"),
    ("groups", "/pay", "/pay | children: (shop)/(checkout)/pay/page.py; (shop)/@side: (shop)/@side/default.py; @a: @a/default.py; @b: @b/default.py"),
    # groups inside two slots resolve to the same URL, no conflict
    ("groups", "/x", "/x | children: default.py; @a: @a/(g1)/x/page.py; @b: @b/(g2)/x/page.py"),
    # a group name is not a URL segment
    ("groups", "/marketing", None),
    ("groups", "/(marketing)/about", None),
    ("groups", "/checkout/pay", None),
    # -- A2 rule 15: a group layout holding only a slot catch-all, next to pages in another group
    ("rule15", "/", "/ | children: (group-b)/page.py"),
    ("rule15", "/foo", "/foo | children: (group-b)/foo/page.py"),
    ("rule15", "/bar", "/[...catcher] | children: 404; (group-a)/@parallel: (group-a)/@parallel/[...catcher]/page.py {catcher=[bar]}"),
    ("rule15", "/bar/baz", "/[...catcher] | children: 404; (group-a)/@parallel: (group-a)/@parallel/[...catcher]/page.py {catcher=[bar,baz]}"),
    # -- A1 rule 5: children keeps its page, the @slot duplicate is not shown; the group serves the rest
    ("slotdup", "/parallel/nested-2", "/parallel/nested-2 | children: parallel/nested-2/page.py"),
    ("slotdup", "/parallel", "/parallel | children: parallel/page.py"),
    ("slotdup", "/parallel/other", "/parallel/other | children: 404; parallel/(new)/@baz: parallel/(new)/@baz/other/page.py"),
    # -- @children is children (CONTRACT: app/page.py is app/@children/page.py)
    ("atchildren", "/", "/ | children: @children/page.py; @team: @team/page.py"),
    ("atchildren", "/about", "/about | children: @children/about/page.py; @team: @team/default.py"),
    ("atchildren", "/members", "/members | children: @children/default.py; @team: @team/members/page.py"),
    ("atchildren", "/children", None),
    ("atchildren", "/@children", None),
    # -- private folders are ignored by routing, in children and in slots
    ("misc", "/_components", None),
    ("misc", "/_lib/x", None),
    ("misc", "/shop/_parts", None),
    ("misc", "/_parts", None),
    ("misc", "/shop", "/shop | children: shop/page.py; @modal: @modal/default.py"),
    # -- interception folders make no routes of their own (A1 rule 1, A5 rule 28: a hard load never intercepts)
    ("misc", "/photo/1", "/photo/[id] | children: photo/[id]/page.py {id=1}; @modal: @modal/default.py"),
    ("misc", "/feed", "/feed | children: feed/page.py; @modal: @modal/default.py"),
    ("misc", "/feed/photo/1", None),
    ("misc", "/feed/(.)photo/1", None),
    ("misc", "/login", None),
    ("misc", "/gallery", None),
    ("misc", "/feed/anything", None),
    # -- slots nested in slots: each level resolves on its own
    ("nested", "/", "/ | children: page.py; @analytics: @analytics/page.py"),
    ("nested", "/views", "/views | children: default.py; @analytics: @analytics/views/page.py; @analytics/views/@chart: @analytics/views/@chart/page.py"),
    ("nested", "/views/weekly", "/views/weekly | children: default.py; @analytics: @analytics/views/default.py; @analytics/views/@chart: @analytics/views/@chart/weekly/page.py"),
    ("nested", "/weekly", None),
    ("nested", "/views/monthly", None),
    # -- percent-decoding happens per segment: %2F stays inside its segment
    ("enc", "/a%2Fb", "/[x] | children: [x]/page.py {x=a/b}"),
    ("enc", "/a%2Fb/c", "/[x]/[y] | children: [x]/[y]/page.py {x=a/b, y=c}"),
    ("enc", "/a/b", "/[x]/[y] | children: [x]/[y]/page.py {x=a, y=b}"),
    ("enc", "/%2F", "/[x] | children: [x]/page.py {x=/}"),
    # unicode static folders, reached percent-encoded or as raw UTF-8 bytes
    ("enc", "/caf%C3%A9", "/café | children: café/page.py"),
    ("enc", "/%63af%c3%a9", "/café | children: café/page.py"),
    ("enc", b"/caf\xc3\xa9", "/café | children: café/page.py"),
    ("enc", "/%E6%97%A5%E6%9C%AC", "/日本 | children: 日本/page.py"),
    ("enc", "/a%20b", "/a b | children: a b/page.py"),
    ("enc", "/100%25", "/100% | children: 100%/page.py"),
    # matching is case-sensitive and exact; + is not a space in a path
    ("enc", "/CAF%C3%A9", "/[x] | children: [x]/page.py {x=CAFé}"),
    ("enc", "/a+b", "/[x] | children: [x]/page.py {x=a+b}"),
    # empty segments match nothing (no folder is named "", no param is empty)
    ("enc", "/", "/ | children: page.py"),
    ("enc", "//", None),
    ("enc", "/a//b", None),
    ("enc", "/a/", None),
    ("enc", "//a", None),
    # -- many slots under one layout: page, default, 404, catch-all and optional catch-all side by side
    ("many", "/", "/ | children: page.py; @a: @a/page.py; @b: @b/default.py; @c: 404; @d: @d/default.py; @e: @e/[[...opt]]/page.py {opt=[]}"),
    ("many", "/x", "/x | children: 404; @a: @a/x/page.py; @b: @b/default.py; @c: @c/x/page.py; @d: @d/[...rest]/page.py {rest=[x]}; @e: @e/[[...opt]]/page.py {opt=[x]}"),
    ("many", "/y", "/y | children: 404; @a: @a/default.py; @b: @b/y/page.py; @c: 404; @d: @d/[...rest]/page.py {rest=[y]}; @e: @e/[[...opt]]/page.py {opt=[y]}"),
    ("many", "/z/w", "/[...rest] | children: 404; @a: @a/default.py; @b: @b/default.py; @c: 404; @d: @d/[...rest]/page.py {rest=[z,w]}; @e: @e/[[...opt]]/page.py {opt=[z,w]}"),
]


@pytest.mark.parametrize(("tree", "url", "expected"), CASES)
def test_match(matchers, tree, url, expected):
    assert resolve(matchers(tree), url) == expected


# --------------------------------------------------------------------------------------------
# Which layouts wrap each leaf: a slot's own layout wraps its pages, never its default (A3 rule 20a)
# --------------------------------------------------------------------------------------------


def wrapping(outcome: Outcome, layouts: tuple[str, ...] = (), label: str = "children") -> list[str]:
    """``label: outer layout > ... > file`` for every leaf of a plan."""
    if isinstance(outcome, Leaf):
        return [f"{label}: {' > '.join((*layouts, outcome.file or '404'))}"]
    assert isinstance(outcome, Branch)
    layout = outcome.node.files.get("layout")
    inner = (*layouts, layout) if layout else layouts
    lines = []
    for key, child in outcome.slots.items():
        lines += wrapping(child, inner, label if key == "children" else outcome.node.slots[key].path)
    return lines


LAYOUT_CASES = [
    ("dash", "/", "children: layout.py > page.py; @analytics: layout.py > @analytics/page.py; @team: layout.py > @team/layout.py > @team/page.py"),
    ("dash", "/settings", "children: layout.py > default.py; @analytics: layout.py > 404; @team: layout.py > @team/layout.py > @team/settings/page.py"),
    # the unmatched slot's default sits directly under the parent layout
    ("dash", "/projects/3", "children: layout.py > projects/[id]/page.py; @analytics: layout.py > 404; @team: layout.py > @team/default.py"),
    ("nested", "/", "children: layout.py > page.py; @analytics: layout.py > @analytics/layout.py > @analytics/page.py"),
    ("nested", "/views/weekly", "children: layout.py > default.py; @analytics: layout.py > @analytics/layout.py > @analytics/views/layout.py > @analytics/views/default.py; @analytics/views/@chart: layout.py > @analytics/layout.py > @analytics/views/layout.py > @analytics/views/@chart/weekly/page.py"),
    # a default of a slot inside a slot is not wrapped by the default-showing slot's layouts either
    ("groups", "/pay", "children: layout.py > (shop)/layout.py > (shop)/(checkout)/pay/page.py; (shop)/@side: layout.py > (shop)/layout.py > (shop)/@side/default.py; @a: layout.py > @a/default.py; @b: layout.py > @b/default.py"),
    ("teams", "/acme", "children: [team]/layout.py > [team]/page.py; [team]/@stats: [team]/layout.py > [team]/@stats/default.py"),
]


@pytest.mark.parametrize(("tree", "url", "expected"), LAYOUT_CASES)
def test_layouts_wrapping_each_slot(matchers, tree, url, expected):
    found = matchers(tree).match(split_path(url))
    assert "; ".join(wrapping(found.plan)) == expected


# --------------------------------------------------------------------------------------------
# split_path: per-segment decoding, and what it refuses with BadRequest (status 400)
# --------------------------------------------------------------------------------------------

SPLIT_CASES = [
    ("/", ()),
    ("/a/b", ("a", "b")),
    ("/a%2Fb", ("a/b",)),                       # %2F is data, not a separator
    ("/a%2fb/c", ("a/b", "c")),
    ("/caf%C3%A9", ("café",)),
    (b"/caf\xc3\xa9", ("café",)),               # raw UTF-8 bytes as ASGI gives them
    ("/a+b%20c", ("a+b c",)),
    ("/%25", ("%",)),
    ("/%2525", ("%25",)),                        # decoded once only
    ("//", ("", "")),
    ("/a/", ("a", "")),
    ("/" + "a" * (MAX_PATH_BYTES - 1), ("a" * (MAX_PATH_BYTES - 1),)),  # exactly 8 KiB is fine
]


@pytest.mark.parametrize(("raw", "expected"), SPLIT_CASES)
def test_split_path(raw, expected):
    assert split_path(raw) == expected


BAD_PATHS = [
    "/%ff",                                      # invalid UTF-8
    "/%C3",                                      # truncated UTF-8
    "/a/%C3%28",                                 # invalid continuation byte
    b"/\xff",                                    # invalid UTF-8, raw
    b"/a\x00b",                                  # NUL, raw (a segment with no escape)
    b"/a\tb",                                    # tab, raw
    b"/\x7f",                                    # DEL, raw
    "/a%zz",                                     # a % that escapes nothing
    "/a%00",                                     # NUL
    "/a%0Ab",                                    # newline
    "/%7F",                                      # DEL
    "/%1b[0m",                                   # escape
    "/" + "a" * MAX_PATH_BYTES,                  # over 8 KiB
    "/" + "%41" * 3000,                          # over 8 KiB before decoding
    "a/b",                                       # no leading slash
    "",
]


@pytest.mark.parametrize("raw", BAD_PATHS)
def test_split_path_rejects(raw):
    with pytest.raises(BadRequest):
        split_path(raw)


# --------------------------------------------------------------------------------------------
# Problems found while building the route table (and while scanning)
# --------------------------------------------------------------------------------------------


def problems_of(tmp_path: Path, files: list[str]) -> list[tuple[str, str]]:
    scanned = scan(write_tree(tmp_path / "app", files))
    _, found = build_routes(scanned.root)
    return [(p.path, p.message.replace("\x1f", "")) for p in (*scanned.problems, *found)]


SAME_URL = "resolve to the same URL"
PROBLEM_CASES = [
    # two pages for one URL in one slot, through two route groups (D1)
    (["(a)/x/page.py", "(b)/x/page.py"], [("(a)/x/page.py", f"pages (a)/x/page.py and (b)/x/page.py {SAME_URL} /x in the same slot")]),
    (["(a)/page.py", "(b)/page.py"], [("(a)/page.py", f"pages (a)/page.py and (b)/page.py {SAME_URL} / in the same slot")]),
    (["x/page.py", "x/(g)/page.py"], [("x/(g)/page.py", f"pages x/(g)/page.py and x/page.py {SAME_URL} /x in the same slot")]),
    (["[id]/page.py", "(g)/[id]/page.py"], [("(g)/[id]/page.py", f"pages (g)/[id]/page.py and [id]/page.py {SAME_URL} /[id] in the same slot")]),
    # the same inside a named slot
    (["layout.py", "@s/(a)/y/page.py", "@s/(b)/y/page.py"], [("@s/(a)/y/page.py", f"pages @s/(a)/y/page.py and @s/(b)/y/page.py {SAME_URL} /y in the same slot")]),
    # one page per slot for one URL is what parallel routes are: no problem
    (["layout.py", "page.py", "@team/page.py", "@team/x/page.py", "x/page.py"], []),
    (["layout.py", "@a/(g1)/x/page.py", "@b/(g2)/x/page.py"], []),
    (TREES["rule15"], []),
    # default.py and @children/default.py are one file (CONTRACT)
    (["page.py", "default.py", "@children/default.py"], [("@children/default.py", "default.py and @children/default.py are the same file (default.py and @children/default.py)")]),
    # A1 rule 5 / D1: a duplicate inside a @slot is ignored in favour of children, with no error
    (TREES["slotdup"], []),
    (["(a)/x/page.py", "(b)/layout.py", "(b)/@s/x/page.py"], []),
    (["x/page.py", "x/(g)/layout.py", "x/(g)/@s/page.py"], []),
    # A2 rule 15 with a page instead of a catch-all in the group's only slot
    (["(group-a)/layout.py", "(group-a)/@parallel/page.py", "(group-b)/page.py"], []),
]


@pytest.mark.parametrize(("files", "expected"), PROBLEM_CASES)
def test_problems(tmp_path, files, expected):
    assert problems_of(tmp_path, files) == expected

