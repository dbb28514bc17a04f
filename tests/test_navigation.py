"""Soft navigation on the server: the state's wire form, the diff, and what gets executed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import visible, write_app

from panes import App
from panes.core import protocol
from panes.core.errors import BadRequest
from panes.core.protocol import StaleState, encode, verify
from panes.core.state import Entry, State


def decode(text, key, bound):
    """The state a wire text carries, as the server reads it."""
    return verify(text, key, bound).state


pytestmark = pytest.mark.anyio

SECRET = b"test secret"
BOUND = "someone"


# -- the wire form ----------------------------------------------------------------------------

STATES = [
    State("/", {}),  # nothing placed
    State("/a?x=1", {"": Entry("00ff00ff", "/"), "children": Entry("12345678", "/")},
          "layout.py"),
    State("/t/2", {"tabs": Entry("4f3e2d1c", "/", restore=True),
                   "tabs/children": Entry("9a8b7c6d", "/t/2", ("t", "2")),
                   "": Entry("11223344", "/", reads={"children": ("a", "b"), "tabs": ()})}),
    # text that must stay safe inside <script> and a header
    State("/caf%C3%A9?q=</script>", {"children": Entry("0a1b2c3d", "/é?a=1&b=<x>", ("é,;|:&", ""))}),
    State("/", {"x/y": Entry("0a1b2c3d", "/", reads={"a-b": ("", ":", ","), "c": ()})}),
    # an intercepted modal over its background
    State("/photos/1", {"modal": Entry("0a1b2c3d", "/photos/1", via="/feed?x=|")}, base="/feed"),
    # a slot showing its default (its links compare with the document's URL, for aria-current)
    State("/items/3", {"children": Entry("0a1b2c3d", "/items/3", default=True),
                       "detail": Entry("1a2b3c4d", "/items/3", ("items", "3"))}),
]


@pytest.mark.parametrize("state", STATES)
def test_round_trip(state):
    wire = encode(state, SECRET, BOUND)
    assert wire.isascii()
    assert not set(wire) & set("<>\n"), "safe in a header, in <script> and in a record"
    assert decode(wire, SECRET, BOUND) == state


def test_a_signer_signs_each_state_as_encode_does_and_a_changed_one_anew():
    signer = protocol.Signer(SECRET, kept=2)
    for _ in range(2):  # the second time round from what it kept, the first made
        for state in STATES:
            assert signer.encode(state, BOUND, "h1") == encode(state, SECRET, BOUND, "h1")
    state = STATES[2]
    changed = {**state.regions, "tabs": state.regions["tabs"].with_digest("newhtml")}
    assert decode(signer.encode(State(state.url, changed), BOUND), SECRET, BOUND).regions[
        "tabs"].digest == "newhtml"
    assert signer.encode(state, "someone else") == encode(state, SECRET, "someone else")


def test_a_signer_checks_a_state_text_once_and_its_binding_every_time():
    signer = protocol.Signer(SECRET)
    wire = encode(STATES[2], SECRET, BOUND)
    for _ in range(2):  # the second time from what it kept
        assert signer.read(wire, BOUND).state == STATES[2]
        with pytest.raises(StaleState):
            signer.read(wire, "someone else")
        with pytest.raises(BadRequest, match="not one this server sent"):
            signer.read(wire.replace('"sig":"', '"sig":"x'), BOUND)
        with pytest.raises(StaleState):
            signer.check(wire, "someone else")
    # what it shows, apart from who it was made for: the same for every requester
    assert signer.check(encode(STATES[2], SECRET, "other"), "other") == \
        signer.read(wire, BOUND).ident == signer.check(wire, BOUND) != \
        signer.read(encode(STATES[1], SECRET, BOUND), BOUND).ident


@pytest.mark.parametrize("state", STATES)
def test_a_patch_made_once_for_many_requesters_is_the_patch_each_would_get(state):
    before = State("/elsewhere", {"": Entry("00000000", "/elsewhere")}, state.root, None)
    for bound in (BOUND, "QUJD-_09", ""):
        update = protocol.state_update(protocol.to_json(before, SECRET, bound),
                                       protocol.to_json(state, SECRET, bound, "h1"))
        record = protocol.Patch(("x",), ("<p>é</p>",), update, head={"title": "t"})
        framer = protocol.patch_framer(record, state, SECRET, "h1")
        assert framer is not None and framer(bound).decode() == protocol.frame(record)
        merged = protocol.merge(protocol.to_json(before, SECRET, bound),
                                protocol.parse(framer(bound).decode())[0])
        assert decode(protocol.dumps(merged), SECRET, bound) == state


def test_a_long_url_is_written_once_however_many_regions_it_activated():
    url = "/search?q=" + "x" * 4000
    regions = {f"slot{i}": Entry(f"0000000{i}", url) for i in range(8)}
    wire = encode(State(url, regions), SECRET, BOUND)
    assert len(wire) < 2 * len(url) + 1000  # the document URL and one table entry


def test_a_state_made_for_other_credentials_is_stale_not_forged():
    wire = encode(STATES[1], SECRET, BOUND)
    with pytest.raises(StaleState):
        decode(wire, SECRET, "someone else")


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda w: w.replace('"sig":"', '"sig":"A'), "not one this server sent"),  # forged
    (lambda w: w.replace('"url":"/a?x=1"', '"url":"/admin"'), "not one this server sent"),  # a changed body
    (lambda w: w.replace('"sig":', '"gis":'), "not one this server sent"),  # no signature
    (lambda w: w.replace('"sig":"', '"sig":"\u00ff\u00ff'), "not one this server sent"),  # not ASCII
    (lambda w: w + " " * 70_000, "too large"),
    (lambda w: "", "not one this server sent"),
    (lambda w: "[" * 5000 + "]" * 5000, "not one this server sent"),
])
def test_tampered_states_are_refused(mangle, message):
    wire = encode(STATES[1], SECRET, BOUND)
    with pytest.raises(BadRequest, match=message):
        decode(mangle(wire), SECRET, BOUND)


def _signed(obj: dict) -> str:
    """Sign an object the way the server does."""
    obj = dict(obj)
    obj["sig"] = protocol._mac(SECRET, protocol._canonical(obj))
    return json.dumps(obj)


@pytest.mark.parametrize(("obj", "message"), [
    ({"v": 1, "url": "/", "b": BOUND, "urls": {}, "regions": {}}, "version 1 is not 2"),
    ({"v": 2, "url": "/", "b": BOUND, "regions": {}}, "malformed"),  # a field missing
    ({"v": 2, "url": "/", "b": BOUND, "urls": {}, "regions": {"a": {"k": "x", "u": "?"}}}, "malformed"),
    ({"v": 2, "url": "/", "b": BOUND, "urls": {}, "regions": {"a": 3}}, "malformed"),
    ({"v": 2, "b": BOUND, "urls": {}, "regions": []}, "malformed"),
])
def test_signed_but_malformed_states_are_refused(obj, message):
    with pytest.raises(BadRequest, match=message):
        decode(_signed(obj), SECRET, BOUND)


def test_an_update_carries_only_what_changed_and_merges_back_to_the_new_state():
    before = protocol.to_json(STATES[2], SECRET, BOUND)
    regions = dict(STATES[2].regions)
    regions["tabs/children"] = Entry("77777777", "/t/3", ("t", "3"))
    del regions["tabs"]
    after = protocol.to_json(State("/t/3", regions), SECRET, BOUND)
    update = protocol.state_update(before, after)
    assert update["regions"] == {"tabs/children": after["regions"]["tabs/children"], "tabs": None}
    assert update["urls"] and set(update) == {"url", "sig", "urls", "regions"}
    assert protocol.merge(before, update) == after
    assert decode(protocol.dumps(protocol.merge(before, update)), SECRET, BOUND).url == "/t/3"


# -- navigating against a real app ------------------------------------------------------------

CALLS = "import collections\nCALLS = collections.Counter()\n"


def counted(kind: str, body: str, args: str = "") -> str:
    return (f"from calls import CALLS\nfrom markupsafe import Markup\n\n"
            f"def {kind}({args}):\n    CALLS[__file__.split('/app/')[1]] += 1\n    return {body}\n")


LAYOUT = "Markup('<html><body>') + children + Markup('<aside>') + team + Markup('</aside><nav>') + analytics + Markup('</nav></body></html>')"

FILES = {
    "layout.py": counted("layout", LAYOUT, "children, team, analytics"),
    "page.py": counted("page", "'home'"),
    "default.py": counted("default", "'children default'"),
    "@team/page.py": counted("page", "'team home'"),
    "@team/default.py": counted("default", "'team default'"),
    "@team/settings/page.py": counted("page", "'team settings'"),
    "@analytics/layout.py": counted("layout", "Markup('<div>tabs</div>') + children", "children"),
    "@analytics/page.py": counted("page", "'analytics home'"),
    "@analytics/default.py": counted("default", "'analytics default'"),
    "@analytics/views/page.py": counted("page", "'views'"),
    "@analytics/visitors/page.py": counted("page", "'visitors'"),
    "admin-area/layout.py": counted("layout", "admin if request.cookies.get('role') == 'admin' else user",
                                    "children, admin, user, request"),
    "admin-area/page.py": counted("page", "'area'"),
    "admin-area/@admin/page.py": counted("page", "'ADMIN SECRET'"),
    "admin-area/@admin/reports/page.py": counted("page", "'ADMIN REPORTS'"),
    "admin-area/@user/page.py": counted("page", "'user view'"),
    "admin-area/@user/default.py": counted("default", "'user default'"),
    "admin-area/@admin/default.py": counted("default", "'admin default'"),
}


@pytest.fixture
def app(tmp_path, monkeypatch):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "calls.py").write_text(CALLS)
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    import sys
    sys.modules.pop("calls", None)
    return App(write_app(tmp_path / "app", FILES), secret=SECRET)


def calls():
    import calls as module
    return module.CALLS


def state_of(html: str) -> str:
    return re.search(r'id="panes-state">([^<]*)</script>', html).group(1)


def lines(response) -> list[dict]:
    """The records of a navigation answer, each JSON head with its HTML parts as ``html``."""
    assert response.headers["content-type"].startswith("application/x-panes-navigation")
    return protocol.parse(response.text)


def state_after(before: str, record: dict) -> str:
    """The state the browser holds after a record's update."""
    return protocol.dumps(protocol.merge(json.loads(before), record))


async def test_only_the_changed_slot_is_executed(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    calls().clear()
    first = lines(await client.get("/views", headers={"Panes-State": state}))[0]
    assert first["swap"] == ["analytics/children"]
    assert visible(first["html"][0]) == "views"
    # the root layout, the analytics layout, and the other slots did not run
    assert dict(calls()) == {"@analytics/views/page.py": 1}


async def test_slots_without_a_match_keep_what_they_show(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/views")).text)
    calls().clear()
    first = lines(await client.get("/settings", headers={"Panes-State": state}))[0]
    # team changes; analytics has no match at /settings: kept, not replaced by its default
    assert first["swap"] == ["team"]
    assert dict(calls()) == {"@team/settings/page.py": 1}
    regions = json.loads(state_after(state, first))["regions"]
    urls = json.loads(state_after(state, first))["urls"]
    assert urls[regions["analytics/children"]["u"]] == "/views"
    # @team has no layout and no boundary: its folders share the team region
    assert urls[regions["team"]["u"]] == "/settings" and "team/children" not in regions


async def test_newly_mounted_slots_get_their_default(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/settings")).text)
    first = lines(await client.get("/admin-area/reports", headers={"Panes-State": state}))[0]
    assert first["swap"] == ["children"]
    # @user has no page at /admin-area/reports, and the browser never had it: its default
    assert visible(first["html"][0]) == "user default"


async def test_a_forged_tree_cannot_run_a_slot_the_layout_would_not_place(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/admin-area")).text)  # no admin cookie: user view
    assert "ADMIN" not in (await client.get("/admin-area")).text
    forged_obj = json.loads(state)
    forged_obj["regions"]["children/admin"] = {"k": "00000000", "u": next(iter(forged_obj["urls"]))}
    forged = protocol.dumps(forged_obj)
    calls().clear()
    response = await client.get("/admin-area/reports", headers={"Panes-State": forged})
    assert response.status_code == 400
    assert not calls()
    # the genuine state never places @admin for this user: nothing admin runs or is sent
    response = await client.get("/admin-area/reports", headers={"Panes-State": state})
    assert "ADMIN" not in response.text
    assert not [f for f in calls() if "@admin" in f]


async def test_a_restore_of_a_region_the_target_state_lacks_is_refused(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/admin-area")).text)
    response = await client.get("/admin-area", headers={
        "Panes-State": state, "Panes-Target": state, "Panes-Regions": "children/admin"})
    assert response.status_code == 400
    assert not [f for f in calls() if "@admin" in f]


async def test_refresh_renders_each_region_from_its_own_url(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    state = state_after(state, lines(await client.get("/views", headers={"Panes-State": state}))[0])
    state = state_after(state, lines(await client.get("/settings", headers={"Panes-State": state}))[0])
    calls().clear()
    first = lines(await client.get("/settings", headers={
        "Panes-State": state, "Panes-Target": state, "Panes-Regions": "children,team,analytics"}))[0]
    html = dict(zip(first["swap"], first["html"], strict=True))
    assert "views" in html["analytics"]  # from /views, which activated it
    assert "team settings" in html["team"]
    assert html["children"] == "home"  # from /, which activated it
    assert calls()["layout.py"] == 0


async def test_unknown_url_or_bad_state_fall_back_to_a_full_load(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    assert lines(await client.get("/nowhere", headers={"Panes-State": state})) == [
        {"t": "hard", "html": []}]
    assert (await client.get("/", headers={"Panes-State": "junk"})).status_code == 400


async def test_redirects_are_answered_as_such(tmp_path, client_for):
    app = App(write_app(tmp_path / "app", {
        "page.py": "def page():\n    return 'home'\n",
        "old/page.py": "from panes import redirect\n\ndef page():\n    redirect('/')\n",
    }), secret=SECRET)
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    assert lines(await client.get("/old", headers={"Panes-State": state})) == [
        {"t": "redirect", "url": "/", "html": []}]


async def test_the_runtime_is_served_with_a_content_hash_and_long_cache(app, client_for):
    client = client_for(app)
    html = (await client.get("/")).text
    src = re.search(r'<script src="(/_panes/panes\.[0-9a-f]{12}\.js)"', html).group(1)
    response = await client.get(src)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/_panes/panes.000000000000.js")).status_code == 404


async def test_a_change_of_root_layout_is_a_full_page_load(tmp_path, client_for):
    doc = ("from markupsafe import Markup\n\ndef layout(children):\n"
           "    return Markup('<html><body>') + children + Markup('</body></html>')\n")
    app = App(write_app(tmp_path / "app", {
        "(shop)/layout.py": doc,
        "(shop)/cart/page.py": "def page():\n    return 'cart'\n",
        "(shop)/checkout/page.py": "def page():\n    return 'checkout'\n",
        "(blog)/layout.py": doc,
        "(blog)/posts/page.py": "def page():\n    return 'posts'\n",
    }), secret=SECRET)
    client = client_for(app)
    state = state_of((await client.get("/cart")).text)
    assert lines(await client.get("/posts", headers={"Panes-State": state})) == [
        {"t": "hard", "html": []}]
    first = lines(await client.get("/checkout", headers={"Panes-State": state}))[0]
    assert first["swap"] == ["children/children"]  # the same root layout: soft


async def test_soft_navigation_inside_a_mount(tmp_path, client_for):
    from starlette.applications import Starlette
    from starlette.routing import Mount

    app = App(write_app(tmp_path / "app", {
        "layout.py": "from markupsafe import Markup\n\ndef layout(children):\n    return Markup('<html><body>') + children + Markup('</body></html>')\n",
        "page.py": "def page():\n    return 'home'\n",
        "x/page.py": "def page():\n    return 'x'\n",
    }), secret=SECRET)
    client = client_for(Starlette(routes=[Mount("/ui", app=app)]))
    html = (await client.get("/ui/")).text
    assert re.search(r'<script src="/ui/_panes/panes\.[0-9a-f]{12}\.js" data-root="/ui"', html)
    runtime = re.search(r'src="(/ui/_panes/[^"]+)"', html).group(1)
    assert (await client.get(runtime)).status_code == 200
    first = lines(await client.get("/ui/x", headers={"Panes-State": state_of(html)}))[0]
    assert first["swap"] == ["children"] and visible(first["html"][0]) == "x"


async def test_redirects_stay_inside_the_mount(tmp_path, client_for):
    from starlette.applications import Starlette
    from starlette.routing import Mount

    app = App(write_app(tmp_path / "app", {
        "page.py": "def page():\n    return 'home'\n",
        "x/page.py": "def page():\n    return 'x'\n",
        "old/page.py": "from panes import redirect\n\ndef page():\n    redirect('/x')\n",
        "away/page.py": "from panes import redirect\n\ndef page():\n    redirect('https://example.org/')\n",
    }), secret=SECRET)
    client = client_for(Starlette(routes=[Mount("/ui", app=app)]))
    assert (await client.get("/ui/old")).headers["location"] == "/ui/x"
    assert (await client.get("/ui/away")).headers["location"] == "https://example.org/"
    state = state_of((await client.get("/ui/")).text)
    assert lines(await client.get("/ui/old", headers={"Panes-State": state})) == [
        {"t": "redirect", "url": "/ui/x", "html": []}]


DASHBOARD = Path(__file__).resolve().parent.parent / "examples" / "dashboard" / "app"


async def test_the_click_after_a_partial_prefetch_gets_only_what_lies_below_its_boundary(
        client_for):
    """A prefetch of /realtime stops at its loading.py; the click sends the state that partial
    patch made (``Panes-Prefetched``) and gets the state and the content below the boundary,
    not the layout and loading UI it holds already. Held state is checked like any state."""
    client = client_for(App(DASHBOARD, secret=SECRET))
    state = state_of((await client.get("/page-views")).text)
    prefetch = {"Panes-State": state, "Panes-Prefetch": "1"}
    [partial] = lines(await client.get("/realtime", headers=prefetch))
    assert partial["partial"] == 1 and "skeleton" in partial["html"][0]
    held = state_after(state, partial)
    click = await client.get("/realtime", headers={"Panes-State": state,
                                                   "Panes-Prefetched": held})
    patch, fill, *_ = lines(click)
    assert patch["swap"] == [] and patch["html"] == [] and "skeleton" not in click.text
    assert fill["t"] == "fill" and "42 online now" in fill["html"][0]
    plain, *_ = lines(await client.get("/realtime", headers={"Panes-State": state}))
    assert plain["swap"] == ["analytics/children"]  # without the prefetch: all of it
    assert {k: v for k, v in plain.items() if k not in ("swap", "html", "n")} == \
        {k: v for k, v in patch.items() if k not in ("swap", "html", "n")}
    # held from a prefetch of another URL: nothing it holds is this page's, all is sent
    other = state_after(state, lines(await client.get("/visitors", headers=prefetch))[0])
    [again, *_] = lines(await client.get("/realtime", headers={"Panes-State": state,
                                                                "Panes-Prefetched": other}))
    assert again["swap"] == ["analytics/children"]
    forged = await client.get("/realtime", headers={
        "Panes-State": state, "Panes-Prefetched": held.replace('"sig":"', '"sig":"x')})
    assert forged.status_code == 400
    stolen = await client.get("/realtime", headers={
        "Panes-State": state, "Panes-Prefetched": held, "cookie": "session=other"})
    assert lines(stolen)[0]["t"] == "hard"
