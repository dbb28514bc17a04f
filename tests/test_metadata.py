"""Metadata: validation, Next.js's merge rules along a route, the head tags and their JSON form."""

from __future__ import annotations

import asyncio
import json

import pytest

from panes.core.metadata import (
    head_entries,
    head_json,
    head_tags,
    loader_order,
    merge,
    merge_viewport,
    validate,
    validate_viewport,
)

ROOT_TEMPLATE = {"title": {"template": "%s | Acme", "default": "Acme"}}


def tags(resolved):
    """The managed tags as (tag name, attrs) for comparison, keys left out."""
    return [(t.name, dict(t.attrs)) for t in head_entries(resolved)]


def find(resolved, attr, value):
    """The content (or href) of every managed tag whose ``attr`` is ``value``."""
    return [a.get("content", a.get("href")) for _, a in tags(resolved) if a.get(attr) == value]


# (contributions root → leaf, expected <title> text or None)
TITLES = [
    # a plain title
    ([("layout.py", {"title": "Acme"})], "Acme"),
    # the root layout's template applies to a page in a folder below
    ([("layout.py", ROOT_TEMPLATE), ("about/page.py", {"title": "About"})], "About | Acme"),
    # ... but not to the page of the layout's own folder (same segment, as in Next.js)
    ([("layout.py", ROOT_TEMPLATE), ("page.py", {"title": "Home"})], "Home"),
    # default is used when no child sets a title
    ([("layout.py", ROOT_TEMPLATE), ("about/page.py", {"description": "x"})], "Acme"),
    # absolute ignores the template
    ([("layout.py", ROOT_TEMPLATE), ("about/page.py", {"title": {"absolute": "About"}})],
     "About"),
    # nested templates: the nearest layout above wins, its own default went through the root's
    ([("layout.py", ROOT_TEMPLATE),
      ("blog/layout.py", {"title": {"template": "%s · Blog", "default": "Blog"}}),
      ("blog/post/page.py", {"title": "Hello"})], "Hello · Blog"),
    # a nested layout's default is templated by the root's template
    ([("layout.py", ROOT_TEMPLATE),
      ("blog/layout.py", {"title": {"template": "%s · Blog", "default": "Blog"}}),
      ("blog/page.py", {})], "Blog | Acme"),
    # a page beside the nested layout gets the root template, not its own layout's
    ([("layout.py", ROOT_TEMPLATE),
      ("blog/layout.py", {"title": {"template": "%s · Blog", "default": "Blog"}}),
      ("blog/page.py", {"title": "Index"})], "Index | Acme"),
    # a plain string title in a middle layout clears the template below it (Next.js)
    ([("layout.py", ROOT_TEMPLATE), ("a/layout.py", {"title": "A"}),
      ("a/b/page.py", {"title": "B"})], "B"),
    # a layout without a title keeps the template of the one above
    ([("layout.py", ROOT_TEMPLATE), ("a/layout.py", {"description": "d"}),
      ("a/b/page.py", {"title": "B"})], "B | Acme"),
    # the template reaches a slot's page (a slot is below the layout that places it)
    ([("layout.py", ROOT_TEMPLATE), ("@modal/(.)photos/[id]/page.py", {"title": "Photo 1"})],
     "Photo 1 | Acme"),
    # a sibling slot's layout template does not leak into children
    ([("layout.py", ROOT_TEMPLATE),
      ("@team/layout.py", {"title": {"template": "%s (team)", "default": "Team"}}),
      ("settings/page.py", {"title": "Settings"})], "Settings | Acme"),
    # a template with %s twice
    ([("layout.py", {"title": {"template": "%s – %s", "default": "x"}}),
      ("a/page.py", {"title": "A"})], "A – A"),
    # no metadata at all: no <title>
    ([("layout.py", None), ("page.py", {})], None),
    # a template alone (no default) gives no title to its own segment
    ([("layout.py", {"title": {"template": "%s | Acme"}})], None),
]


@pytest.mark.parametrize(("contributions", "title"), TITLES)
def test_title(contributions, title):
    assert head_json(merge(contributions))["title"] == title


# (contributions, attribute, its value, expected contents in order)
TAGS = [
    # description and a later one replacing it
    ([("layout.py", {"description": "root"}), ("a/page.py", {"description": "page"})],
     "name", "description", ["page"]),
    # a child's None resets the field (Next.js: ?? null)
    ([("layout.py", {"description": "root"}), ("a/page.py", {"description": None})],
     "name", "description", []),
    # keywords: a list joined by commas, as Next.js writes it
    ([("page.py", {"keywords": ["mail", "inbox", "python"]})], "name", "keywords",
     ["mail,inbox,python"]),
    # keywords: a single str
    ([("page.py", {"keywords": "mail"})], "name", "keywords", ["mail"]),
    # robots dict → "index, follow, …"
    ([("page.py", {"robots": {"index": False, "follow": True, "nocache": True,
                              "max-snippet": -1}})],
     "name", "robots", ["noindex, follow, nocache, max-snippet:-1"]),
    # robots as a str is written as is
    ([("page.py", {"robots": "noindex"})], "name", "robots", ["noindex"]),
    # googleBot gets its own tag
    ([("page.py", {"robots": {"index": True, "googleBot": {"index": True,
                                                            "max-image-preview": "large"}}})],
     "name", "googlebot", ["index, max-image-preview:large"]),
    # canonical resolved against metadataBase from the root layout
    ([("layout.py", {"metadataBase": "https://acme.com"}),
      ("a/page.py", {"alternates": {"canonical": "/a"}})], "rel", "canonical",
     ["https://acme.com/a"]),
    # canonical "/" is the bare origin (Next.js)
    ([("layout.py", {"metadataBase": "https://acme.com"}),
      ("page.py", {"alternates": {"canonical": "/"}})], "rel", "canonical", ["https://acme.com"]),
    # a base with a path: relative URLs land below it, "/x" too (Next.js joins the paths)
    ([("layout.py", {"metadataBase": "https://acme.com/shop/"}),
      ("a/page.py", {"alternates": {"canonical": "/items"}})], "rel", "canonical",
     ["https://acme.com/shop/items"]),
    # an absolute canonical ignores the base
    ([("layout.py", {"metadataBase": "https://acme.com"}),
      ("a/page.py", {"alternates": {"canonical": "https://other.org/x"}})], "rel", "canonical",
     ["https://other.org/x"]),
    # no base: the canonical is written as given
    ([("a/page.py", {"alternates": {"canonical": "/a"}})], "rel", "canonical", ["/a"]),
    # alternates replace as a whole: a child without canonical drops the parent's
    ([("layout.py", {"alternates": {"canonical": "/"}}),
      ("a/page.py", {"alternates": {"languages": {"de": "/de/a"}}})], "rel", "canonical", []),
    # languages become hreflang links
    ([("page.py", {"alternates": {"languages": {"en-US": "/en", "de-DE": "/de"}}})],
     "rel", "alternate", ["/en", "/de"]),
    # icons: a str
    ([("layout.py", {"icons": "/icon.png"})], "rel", "icon", ["/icon.png"]),
    # icons: a list
    ([("layout.py", {"icons": ["/a.png", {"url": "/b.png", "sizes": "32x32"}]})],
     "rel", "icon", ["/a.png", "/b.png"]),
    # icons: the dict form, apple icons
    ([("layout.py", {"icons": {"icon": "/i.png", "apple": "/apple.png"}})],
     "rel", "apple-touch-icon", ["/apple.png"]),
    # icons: "other" keeps its own rel
    ([("layout.py", {"icons": {"other": {"rel": "mask-icon", "url": "/m.svg"}}})],
     "rel", "mask-icon", ["/m.svg"]),
    # openGraph replaces as a whole: the page's og drops the layout's og:description
    ([("layout.py", {"openGraph": {"title": "Acme", "description": "Acme is"}}),
      ("a/page.py", {"openGraph": {"title": "Blog"}})], "property", "og:description", []),
    # ... and a page without openGraph inherits the layout's whole
    ([("layout.py", {"openGraph": {"title": "Acme", "description": "Acme is"}}),
      ("a/page.py", {"title": "About"})], "property", "og:title", ["Acme"]),
    # og:title falls back to the resolved title
    ([("layout.py", ROOT_TEMPLATE), ("a/page.py", {"title": "A", "openGraph": {"type": "website"}})],
     "property", "og:title", ["A | Acme"]),
    # og titles have their own template chain (the main title's template does not apply)
    ([("layout.py", {**ROOT_TEMPLATE, "openGraph": {"title": {"template": "%s on Acme",
                                                             "default": "Acme"}}}),
      ("a/page.py", {"openGraph": {"title": "Photo"}})], "property", "og:title",
     ["Photo on Acme"]),
    # og images resolved against metadataBase, with their properties
    ([("layout.py", {"metadataBase": "https://acme.com"}),
      ("a/page.py", {"openGraph": {"images": [{"url": "/1.jpg", "width": 800, "height": 600}]}})],
     "property", "og:image", ["https://acme.com/1.jpg"]),
    # og:type article writes its typed properties
    ([("page.py", {"openGraph": {"type": "article", "authors": ["Seb", "Josh"]}})],
     "property", "article:author", ["Seb", "Josh"]),
    # twitter falls back to openGraph: title
    ([("page.py", {"openGraph": {"title": "OG", "images": "https://x.org/1.png"}})],
     "name", "twitter:title", ["OG"]),
    # ... images, and the card becomes summary_large_image
    ([("page.py", {"openGraph": {"title": "OG", "images": "https://x.org/1.png"}})],
     "name", "twitter:card", ["summary_large_image"]),
    # twitter's own title wins over openGraph's
    ([("page.py", {"openGraph": {"title": "OG"}, "twitter": {"title": "TW"}})],
     "name", "twitter:title", ["TW"]),
    # twitter without openGraph and without images: summary card, the page's description
    ([("page.py", {"description": "D", "twitter": {"site": "@acme"}})],
     "name", "twitter:description", ["D"]),
    # no openGraph and no twitter: no twitter tags
    ([("page.py", {"title": "T"})], "name", "twitter:card", []),
    # authors: a link and a meta
    ([("page.py", {"authors": [{"name": "Seb"}, {"name": "Josh", "url": "https://j.dev"}]})],
     "name", "author", ["Seb", "Josh"]),
    # other: custom names, lists give several tags, merged key by key
    ([("layout.py", {"other": {"a": "1", "b": ["2", "3"]}}), ("x/page.py", {"other": {"a": "9"}})],
     "name", "b", ["2", "3"]),
    # other: the child's value for the same name wins
    ([("layout.py", {"other": {"a": "1"}}), ("x/page.py", {"other": {"a": "9"}})],
     "name", "a", ["9"]),
    # themeColor in metadata is ignored (Next.js moved it to the viewport)
    ([("page.py", {"themeColor": "red"})], "name", "theme-color", []),
    # the viewport meta is always there, Next.js's default
    ([], "name", "viewport", ["width=device-width, initial-scale=1"]),
]


@pytest.mark.parametrize(("contributions", "attr", "value", "expected"), TAGS)
def test_tags(contributions, attr, value, expected):
    assert find(merge(contributions), attr, value) == expected


# (metadata, a piece of the HTML that must appear, a piece that must not)
ESCAPING = [
    # a <script> in the title is text
    ({"title": "</title><script>alert(1)</script>"},
     "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>", "<script>"),
    # a quote in the description cannot end the attribute
    ({"description": '"><script>alert(1)</script>'},
     'content="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"', "<script>"),
    # an ampersand in a URL is escaped in the attribute
    ({"alternates": {"canonical": "https://a.org/?x=1&y=2"}},
     'href="https://a.org/?x=1&amp;y=2"', "&y="),
]


@pytest.mark.parametrize(("metadata", "present", "absent"), ESCAPING)
def test_escaping(metadata, present, absent):
    html = head_tags(merge([("page.py", metadata)]))
    assert present in html
    assert absent not in html


def test_tag_order_follows_nextjs():
    resolved = merge([("page.py", {
        "title": "T", "description": "D", "keywords": ["k"], "robots": "noindex",
        "alternates": {"canonical": "https://a.org"}, "openGraph": {"title": "O"},
        "icons": "/i.png"})])
    names = [a.get("name") or a.get("property") or a.get("rel") for _, a in tags(resolved)]
    assert names == ["viewport", "description", "keywords", "robots", "canonical", "og:title",
                     "og:description", "twitter:card", "twitter:title", "twitter:description",
                     "icon"]
    assert head_tags(resolved, keyed=False).startswith(
        '<title>T</title><meta name="viewport" content="width=device-width, initial-scale=1">')


def test_managed_tags_have_stable_distinct_keys():
    two = {"openGraph": {"images": [{"url": "https://a.org/1.png", "width": 800},
                                    {"url": "https://a.org/2.png", "width": 800}]}}
    head = head_json(merge([("page.py", two)]))
    keys = [k for k, _, _ in head["tags"]]
    assert len(keys) == len(set(keys))  # two identical og:image:width tags, two keys
    again = head_json(merge([("page.py", two)]))
    assert again == head  # deterministic
    html = head_tags(merge([("page.py", two)]))
    assert all(f'data-panes-head="{k}"' in html for k in keys)
    json.dumps(head)  # JSON-able


def test_soft_navigation_changes_only_the_keys_of_changed_tags():
    a = head_json(merge([("layout.py", {"icons": "/i.png"}), ("x/page.py", {"description": "A"})]))
    b = head_json(merge([("layout.py", {"icons": "/i.png"}), ("y/page.py", {"description": "B"})]))
    old, new = {k for k, _, _ in a["tags"]}, {k for k, _, _ in b["tags"]}
    assert len(old - new) == 1 and len(new - old) == 1  # only the description is swapped


# (metadata, words expected in the one error)
INVALID = [
    # a number for a title
    ({"title": 42}, 'metadata["title"] is int (42)'),
    # an unknown key with a suggestion
    ({"descripton": "x"}, 'metadata["descripton"] is not a key panes knows (did you mean '
                          '"description"?)'),
    # Python spelling of a Next.js key
    ({"open_graph": {}}, 'did you mean "openGraph"?'),
    # an unknown key inside openGraph
    ({"openGraph": {"titel": "x"}}, 'metadata["openGraph"]["titel"] is not a key'),
    # a wrong type deep inside
    ({"openGraph": {"images": [{"url": "/a.png", "width": "800"}, {"alt": "no url"}]}},
     'metadata["openGraph"]["images"][1] has no "url"'),
    # keywords must be strs
    ({"keywords": ["a", 3]}, 'metadata["keywords"][1] is int (3)'),
    # robots.index must be a bool
    ({"robots": {"index": "no"}}, 'metadata["robots"]["index"] is str'),
    # metadataBase must be absolute
    ({"metadataBase": "/relative"}, "expected an absolute URL"),
    # a title dict with none of its keys
    ({"title": {"templte": "%s | A"}}, 'did you mean "template"?'),
    # the whole value is not a dict
    ("Acme", "metadata is str ('Acme'); expected a dict"),
    # an unknown og:type
    ({"openGraph": {"type": "blog"}}, 'metadata["openGraph"]["type"] is str'),
]


@pytest.mark.parametrize(("metadata", "words"), INVALID)
def test_invalid(metadata, words):
    errors = [p for p in validate(metadata, "app/page.py") if p.severity == "error"]
    assert errors, "expected an error"
    assert all(p.path == "app/page.py" for p in errors)
    assert any(words in p.message for p in errors), [p.message for p in errors]


# (metadata, words expected in a warning; no error)
WARNINGS = [
    # themeColor belongs to the viewport, as in Next.js
    ({"themeColor": "#fff"}, "belongs to the viewport"),
    # a template without %s
    ({"title": {"template": "Acme", "default": "Acme"}}, 'has no "%s"'),
    # a key Next.js knows that panes does not write
    ({"appleWebApp": {"capable": True}}, "not written by panes"),
    # twitter app cards are not written
    ({"twitter": {"card": "app", "app": {}}}, "not written by panes"),
]


@pytest.mark.parametrize(("metadata", "words"), WARNINGS)
def test_warnings(metadata, words):
    problems = validate(metadata, "app/layout.py")
    assert not [p for p in problems if p.severity == "error"], problems
    assert any(words in p.message for p in problems)


def test_valid_metadata_has_no_problems():
    full = {
        "metadataBase": "https://acme.com", "title": {"template": "%s | A", "default": "A"},
        "description": "d", "keywords": ["a"], "authors": [{"name": "S", "url": "/s"}],
        "robots": {"index": True, "googleBot": {"index": True}}, "applicationName": "A",
        "alternates": {"canonical": "/", "languages": {"de": "/de"}},
        "openGraph": {"title": "t", "type": "article", "publishedTime": "2024",
                      "images": [{"url": "/a.png", "width": 1, "height": 2, "alt": "a"}]},
        "twitter": {"card": "summary", "site": "@a", "images": "/t.png"},
        "icons": {"icon": ["/i.png"], "apple": {"url": "/a.png", "sizes": "180x180"}},
        "other": {"x": ["1", 2]}, "verification": {"google": "g"}, "category": "tech",
        "formatDetection": {"telephone": False}, "manifest": "/m.json", "referrer": "origin",
    }
    assert validate(full, "app/layout.py") == []


def test_viewport():
    assert validate_viewport({"themeColor": [{"color": "#000", "media": "(x)"}],
                              "initialScale": 1}, "app/layout.py") == []
    assert validate_viewport({"themecolor": "#000"}, "app/layout.py")[0].message.endswith(
        '(did you mean "themeColor"?)')
    vp = merge_viewport([{"themeColor": "#fff", "colorScheme": "dark"},
                         {"themeColor": [{"color": "#000", "media": "(prefers-color-scheme: dark)"}],
                          "userScalable": False}])
    from panes.core.metadata import Resolved
    head = tags(Resolved(viewport=vp))
    assert head == [
        ("meta", {"name": "viewport",
                  "content": "width=device-width, initial-scale=1, user-scalable=no"}),
        ("meta", {"name": "theme-color", "content": "#000",
                  "media": "(prefers-color-scheme: dark)"}),
        ("meta", {"name": "color-scheme", "content": "dark"}),
    ]


# (files of a route, their order in Next.js's loader tree)
ORDER = [
    # the layout first, the page last
    (["page.py", "layout.py"], ["layout.py", "page.py"]),
    # named slots before children, so the children page wins
    (["page.py", "@team/page.py", "layout.py", "@analytics/page.py"],
     ["layout.py", "@analytics/page.py", "@team/page.py", "page.py"]),
    # nested layouts in depth order
    (["blog/[slug]/page.py", "blog/layout.py", "layout.py"],
     ["layout.py", "blog/layout.py", "blog/[slug]/page.py"]),
    # an explicit @children folder is the children slot
    (["@children/page.py", "@modal/page.py", "layout.py"],
     ["layout.py", "@modal/page.py", "@children/page.py"]),
]


@pytest.mark.parametrize(("files", "ordered"), ORDER)
def test_loader_order(files, ordered):
    assert loader_order(files) == ordered



@pytest.mark.anyio
async def test_an_async_metadata_of_a_layout_that_raises_is_closed_without_a_warning(tmp_path,
                                                                                     client_for):
    """A layout whose ``async def metadata`` is started with it, and which raises not_found():
    the metadata coroutine is closed, not left to warn that it was never awaited."""
    import gc
    import warnings

    from conftest import write_app

    from panes import App

    app_dir = write_app(tmp_path / "app", {
        "page.py": "def page():\n    return 'home'\n",
        "gone/layout.py": '''
from panes import not_found
async def metadata():
    return {"title": "gone"}
def layout(children):
    not_found()
''',
        "gone/page.py": "def page():\n    return 'never'\n",
    })
    client = client_for(App(app_dir, secret=b"m"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (await client.get("/gone")).status_code == 404
        for _ in range(3):  # the cancelled evaluation ends on the loop's next turns
            await asyncio.sleep(0)
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]
