"""Actions and refreshes without a browser: what a refresh renders (a table, like
test_resolve's), which regions a refresh sends (pure), and what a post answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from actions_app import counts, make
from test_resolve import apps, browse  # noqa: F401 - the same app and states as the table

from panes import App
from panes.core import protocol
from panes.core.diff import KEEP, Digests, changes, digest, digests
from panes.core.resolve import resolve_refresh

pytestmark = pytest.mark.anyio

# (the URLs the browser went through, the URL the refresh renders, what renders)
REFRESHES = [
    # everything again from the URL, the document included
    ("/", "/", "render <document>=layout.py"),
    # a slot that kept its page from an earlier URL renders from that URL
    ("/ /views /settings", "/settings",
     "render <document>=layout.py; inner analytics=@analytics/layout.py from /views; "
     "inner children=page.py from /; inner modal=@modal/default.py from /; "
     "inner notes=@notes/default.py from /"),
    # an open modal stays open, over the background it was opened from
    ("/ /photos/1", "/photos/1", "render <document>=layout.py; inner analytics=@analytics/layout.py "
     "from /; inner children=page.py from /; inner notes=@notes/default.py from /; "
     "inner team=@team/page.py from /"),
    # after an action's redirect: what a soft navigation there shows, all of it rendered
    ("/ /views", "/settings",
     "render <document>=layout.py; inner analytics=@analytics/layout.py from /views; "
     "inner children=page.py from /; inner modal=@modal/default.py from /; "
     "inner notes=@notes/default.py from /"),
    # a redirect where a soft navigation would be a full load
    ("/", "/nowhere", "hard"),
]


@pytest.mark.parametrize(("path", "url", "expected"), REFRESHES)
async def test_refresh(apps, client_for, path, url, expected):  # noqa: F811
    state = await browse(apps[0], client_for, path)
    assert resolve_refresh(apps[0].model, state, url).describe() == expected


PAGE = ("<html><body><!--panes:a-->A<!--panes:a/x-->X<!--/panes:a/x--><!--/panes:a-->"
        "<!--panes:b-->B<!--/panes:b--></body></html>")


@pytest.mark.parametrize(("edit", "swapped"), [
    ((), []),
    (("B", "b2"), [("b", "b2")]),
    (("X", "x2"), [("a/x", "x2")]),
    # the region's own HTML changed: it is sent, the unchanged region inside it kept
    (("A", "a2"), [("a", f"a2<!--panes:a/x-->{KEEP}<!--/panes:a/x-->")]),
    # the document changed: sent with every unchanged region kept, then what changed inside
    (("<body>", "<body>new"), [("", f"<html><body>new<!--panes:a-->{KEEP}<!--/panes:a-->"
                                     f"<!--panes:b-->{KEEP}<!--/panes:b--></body></html>")]),
])
def test_a_refresh_sends_only_the_regions_whose_html_changed(edit, swapped):
    old = digests(PAGE)
    new_page = PAGE.replace(*edit) if edit else PAGE
    regions, parts = changes(new_page, digests(new_page), old)
    assert list(zip(regions, parts, strict=True)) == swapped


def test_a_region_the_browser_does_not_know_is_sent_whole():
    old = {k: v for k, v in digests(PAGE).items() if k != "a/x"}
    regions, parts = changes(PAGE, digests(PAGE), old)
    assert regions == ["a/x"]


def test_kept_digests_are_the_digests_and_keep_a_bounded_amount_of_html():
    kept = Digests(max_chars=100)
    pages = [f"<p>{i}</p>" * (i % 5 + 1) for i in range(60)]
    for _ in range(2):  # the second time round, some are found, some made again
        assert [kept(p) for p in pages] == [digest(p) for p in pages]
    assert len({digest(p) for p in pages}) == len(set(pages))  # a change shows
    assert sum(map(len, kept._kept)) <= 100
    assert kept("x" * 500) == digest("x" * 500)  # larger than all it may keep


@pytest.fixture
def site(tmp_path):
    app_dir, db = make(tmp_path)
    return App(app_dir, secret=b"actions"), db


async def state_of(client, url="/"):
    html = (await client.get(url)).text
    return json.loads(html.split('id="panes-state">', 1)[1].split("</script>", 1)[0])


async def test_without_javascript_results_answer_the_page_and_redirects_are_303(site, client_for):
    app, db = site
    client = client_for(app)
    answer = await client.post("/", data={"title": ""})
    assert answer.status_code == 422
    assert "A title is required." in answer.text
    answer = await client.post("/", data={"title": "tea"})
    assert answer.status_code == 200 and "Added tea." in answer.text
    assert "1 items" in answer.text and "last=tea" in answer.headers["set-cookie"]
    answer = await client.post("/", data={"title": "cake", "then": "list"})
    assert answer.status_code == 303 and answer.headers["location"] == "/list"
    answer = await client.post("/", data={"title": "x", "missing": "1"})
    assert answer.status_code == 404
    answer = await client.post("/", data={"title": "x", "fail": "1"})
    assert answer.status_code == 500 and "failed: ServerError" in answer.text
    assert counts(db)["posts"] == 5


async def test_the_runtime_gets_only_what_changed_signed_for_the_new_cookies(site, client_for):
    app, _ = site
    client = client_for(app)
    wire = await state_of(client)
    answer = await client.post("/", data={"title": "tea"},
                               headers={"Panes-State": protocol.dumps(wire)})
    (patch,) = protocol.parse(answer.text)
    assert patch["t"] == "patch" and patch["push"] is False
    assert patch["swap"] == [""]  # the count in the root layout changed
    assert "<!--panes:team--><!--panes:~keep--><!--/panes:team-->" in patch["html"][0]
    wire = protocol.merge(wire, patch)
    # the new state is bound to the cookie the action set: the next request is soft
    client.cookies.set("last", "tea")
    again = await client.get("/", headers={"Panes-State": protocol.dumps(wire),
                                           "Panes-Refresh": "1"})
    (patch,) = protocol.parse(again.text)
    # the message was the action's result: without an action the page shows none
    assert patch["t"] == "patch" and patch["swap"] == ["children"]


async def test_a_redirect_in_an_action_re_signs_the_state_and_sends_the_runtime_on(site,
                                                                                   client_for):
    app, _ = site
    client = client_for(app)
    wire = await state_of(client)
    answer = await client.post("/", data={"title": "tea", "then": "list"},
                               headers={"Panes-State": protocol.dumps(wire)})
    state, redirect = protocol.parse(answer.text)
    assert state["t"] == "state" and state["b"] != wire["b"]
    assert redirect == {"t": "redirect", "url": "/list", "html": []}


async def test_prefetches_have_no_effects(site, client_for):
    app, db = site
    client = client_for(app)
    wire = await state_of(client, "/many")
    headers = {"Panes-State": protocol.dumps(wire), "Panes-Prefetch": "1"}
    slow = await client.get("/slow", headers=headers)
    (patch,) = protocol.parse(slow.text)
    assert patch["partial"] == 1 and "loading slow" in patch["html"][0]
    assert (await client.get("/once", headers=headers)).status_code == 204
    assert (await client.get("/plain", headers={"Sec-Purpose": "prefetch"})).status_code == 204
    assert "renders:/slow" not in counts(db) and "renders:/once" not in counts(db)


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
UNCHANGED = [  # (app, the URL loaded in full, the URLs navigated to softly after it)
    ("dashboard", "/", ()),
    ("dashboard", "/settings", ()),
    ("dashboard", "/projects/alpha", ()),
    ("dashboard", "/docs/getting-started/install", ()),
    ("dashboard", "/", ("/page-views", "/settings")),
    ("gallery", "/", ()),
    ("gallery", "/photos/1", ()),
    ("gallery", "/", ("/photos/2",)),
]


@pytest.mark.parametrize(("example", "url", "then"), UNCHANGED)
async def test_a_refresh_of_an_unchanged_page_swaps_nothing(example, url, then, client_for):
    """The digests a page was sent with (a hard load, then soft navigations) are those a
    refresh computes: with nothing changed, nothing is sent again."""
    client = client_for(App(EXAMPLES / example / "app"))
    wire = await state_of(client, url)
    for target in then:
        answer = await client.get(target, headers={"Panes-State": protocol.dumps(wire)})
        for record in protocol.parse(answer.text):
            wire = protocol.merge(wire, record)
    again = await client.get(wire["url"], headers={"Panes-State": protocol.dumps(wire),
                                                   "Panes-Refresh": "1"})
    (patch,) = protocol.parse(again.text)
    assert patch["t"] == "patch" and patch["swap"] == []


@pytest.mark.parametrize(("example", "url"), [("dashboard", "/"), ("dashboard", "/settings"),
                                              ("gallery", "/photos/1")])
async def test_the_digests_a_page_is_sent_with_are_those_of_its_regions(example, url, client_for):
    """What the renderer digests as it renders is :func:`panes.core.diff.digests` of what it sent
    (the document's own digest is of the root layout's HTML before the head goes in, so it is not
    compared here)."""
    client = client_for(App(EXAMPLES / example / "app"))
    html = (await client.get(url)).text
    wire = json.loads(html.split('id="panes-state">', 1)[1].split("</script>", 1)[0])
    sent = {rid: item["h"] for rid, item in wire["regions"].items() if rid and "h" in item}
    assert sent and sent == {rid: d for rid, d in digests(html).items() if rid}
