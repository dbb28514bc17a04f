"""Soft navigation on the server: the state's wire form, the diff, and what gets executed."""

from __future__ import annotations

import json
import re

import pytest
from conftest import visible, write_app

from panes import App
from panes.errors import BadRequest
from panes.navigation import Entry, State, decode, encode

pytestmark = pytest.mark.anyio

SECRET = b"test secret"


# -- the wire form ----------------------------------------------------------------------------

STATES = [
    State("/", {}),  # nothing placed
    State("/a?x=1", {"": Entry("b::{}", "/"), "children": Entry("p:page.py:{}?", "/", leaf=True)},
          "layout.py"),
    State("/t/2", {"tabs": Entry("b:@tabs:{}", "/", restore=True),
                   "tabs/children": Entry('b:@tabs/t/[n]:{"n":"2"}', "/t/2", "2"),
                   "": Entry("b::{}", "/", reads={"children": ("a", "b"), "tabs": ()})}),
    # text that must stay safe inside <script> and a header
    State("/caf%C3%A9?q=</script>", {"children": Entry('p:x.py:{"id":"é<>&"}?q=</script>', "/é")}),
]


@pytest.mark.parametrize("state", STATES)
def test_round_trip(state):
    wire = encode(state, SECRET)
    assert wire.isascii() and "<" not in wire and ">" not in wire and "&" not in wire
    assert decode(wire, SECRET) == state


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda w: "0" + w[1:], "not one this server sent"),  # a forged signature
    (lambda w: w.replace('"u":"/"', '"u":"/admin"'), "not one this server sent"),  # a changed body
    (lambda w: w.split(".", 1)[1], "not one this server sent"),  # no signature
    (lambda w: w + " " * 40_000, "too large"),
    (lambda w: "", "not one this server sent"),
])
def test_tampered_states_are_refused(mangle, message):
    wire = encode(STATES[1], SECRET)
    with pytest.raises(BadRequest, match=message):
        decode(mangle(wire), SECRET)


def _signed(body: str) -> str:
    import hashlib
    import hmac
    return hmac.new(SECRET, body.encode(), hashlib.sha256).hexdigest()[:32] + "." + body


@pytest.mark.parametrize(("body", "message"), [
    ('{"v":2,"url":"/","regions":{}}', "version 2 is not 1"),
    ('{"v":1,"url":"/"}', "malformed"),
    ('{"v":1,"url":"/","regions":{"a":{"u":"/"}}}', "malformed"),
    ('{"v":1,"url":"/","regions":[1]}', "malformed"),
    ("not json", "malformed"),
])
def test_signed_but_malformed_states_are_refused(body, message):
    with pytest.raises(BadRequest, match=message):
        decode(_signed(body), SECRET)


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
    return [json.loads(line) for line in response.text.splitlines()]


async def test_only_the_changed_slot_is_executed(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    calls().clear()
    response = await client.get("/views", headers={"Panes-State": state})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    first = lines(response)[0]
    assert [p["region"] for p in first["patches"]] == ["analytics/children"]
    assert visible(first["patches"][0]["html"]) == "views"
    # the root layout, the analytics layout, and the other slots did not run
    assert dict(calls()) == {"@analytics/views/page.py": 1}


async def test_slots_without_a_match_keep_what_they_show(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/views")).text)
    calls().clear()
    first = lines(await client.get("/settings", headers={"Panes-State": state}))[0]
    # team changes; analytics has no match at /settings: kept, not replaced by its default
    assert [p["region"] for p in first["patches"]] == ["team"]
    assert dict(calls()) == {"@team/settings/page.py": 1}
    regions = json.loads(first["state"].split(".", 1)[1])["regions"]
    assert regions["analytics/children"]["u"] == "/views"
    assert regions["team/children"]["u"] == "/settings"


async def test_newly_mounted_slots_get_their_default(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/settings")).text)
    first = lines(await client.get("/admin-area/reports", headers={"Panes-State": state}))[0]
    assert [p["region"] for p in first["patches"]] == ["children"]
    # @user has no page at /admin-area/reports, and the browser never had it: its default
    assert visible(first["patches"][0]["html"]) == "user default"


async def test_a_forged_tree_cannot_run_a_slot_the_layout_would_not_place(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/admin-area")).text)  # no admin cookie: user view
    assert "ADMIN" not in (await client.get("/admin-area")).text
    body = json.loads(state.split(".", 1)[1])
    body["regions"]["children/admin"] = {"k": "x", "u": "/admin-area"}
    forged = state.split(".", 1)[0] + "." + json.dumps(body, separators=(",", ":"))
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
    state = lines(await client.get("/views", headers={"Panes-State": state}))[-1]["state"]
    state = lines(await client.get("/settings", headers={"Panes-State": state}))[-1]["state"]
    calls().clear()
    first = lines(await client.get("/settings", headers={
        "Panes-State": state, "Panes-Target": state, "Panes-Regions": "children,team,analytics"}))[0]
    html = {p["region"]: p["html"] for p in first["patches"]}
    assert "views" in html["analytics"]  # from /views, which activated it
    assert "team settings" in html["team"]
    assert html["children"] == "home"  # from /, which activated it
    assert calls()["layout.py"] == 0


async def test_unknown_url_or_bad_state_fall_back_to_a_full_load(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    assert lines(await client.get("/nowhere", headers={"Panes-State": state})) == [{"hard": True}]
    assert (await client.get("/", headers={"Panes-State": "junk"})).status_code == 400


async def test_redirects_are_answered_as_such(tmp_path, client_for):
    app = App(write_app(tmp_path / "app", {
        "page.py": "def page():\n    return 'home'\n",
        "old/page.py": "from panes import redirect\n\ndef page():\n    redirect('/')\n",
    }), secret=SECRET)
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    assert lines(await client.get("/old", headers={"Panes-State": state})) == [{"redirect": "/"}]


async def test_the_runtime_is_served_with_a_content_hash_and_long_cache(app, client_for):
    client = client_for(app)
    html = (await client.get("/")).text
    src = re.search(r'<script src="(/_panes/panes\.[0-9a-f]{12}\.js)"', html).group(1)
    response = await client.get(src)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/_panes/panes.000000000000.js")).status_code == 404
