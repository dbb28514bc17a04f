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
    State("/a?x=1", {"": Entry("00ff00ff", "/"), "children": Entry("12345678", "/", leaf=True)},
          "layout.py"),
    State("/t/2", {"tabs": Entry("4f3e2d1c", "/", restore=True),
                   "tabs/children": Entry("9a8b7c6d", "/t/2", ("t", "2")),
                   "": Entry("11223344", "/", reads={"children": ("a", "b"), "tabs": ()})}),
    # text that must stay safe inside <script> and a header
    State("/caf%C3%A9?q=</script>", {"children": Entry("0a1b2c3d", "/é?a=1&b=<x>", ("é,;|:&", ""))}),
    State("/", {"x/y": Entry("0a1b2c3d", "/", reads={"a-b": ("", ":", ","), "c": ()})}),
    # an intercepted modal over its background
    State("/photos/1", {"modal": Entry("0a1b2c3d", "/photos/1", via="/feed?x=|")}, base="/feed"),
]


@pytest.mark.parametrize("state", STATES)
def test_round_trip(state):
    wire = encode(state, SECRET)
    assert wire.isascii()
    assert not set(wire) & set('<>"\\ \n'), "safe in a header, in <script> and in JSON as it is"
    assert decode(wire, SECRET) == state


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda w: ("B" if w[0] == "A" else "A") + w[1:], "not one this server sent"),  # forged
    (lambda w: w.replace(",/,", ",/admin,"), "not one this server sent"),  # a changed body
    (lambda w: w.split(".", 1)[1], "not one this server sent"),  # no signature
    (lambda w: w + " " * 40_000, "too large"),
    (lambda w: "", "not one this server sent"),
])
def test_tampered_states_are_refused(mangle, message):
    wire = encode(STATES[1], SECRET)
    with pytest.raises(BadRequest, match=message):
        decode(mangle(wire), SECRET)


def _signed(body: str) -> str:
    """Sign a body the way the server does (128 bits of HMAC-SHA256, URL-safe base64)."""
    import base64
    import hashlib
    import hmac
    digest = hmac.new(SECRET, body.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=") + "." + body


@pytest.mark.parametrize(("body", "message"), [
    ("2|%2F|||", "version '2' is not 1"),
    ("1|%2F||", "malformed"),  # a field missing
    ("1|%2F||a,k,%2F,l|", "malformed"),  # a region with too few fields
    ("1|%2F||a,k,%2F,l,,,,extra|", "malformed"),
    ("{}", "version .{}. is not 1"),  # not this format at all
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
    """The records of a navigation answer, each JSON head with its HTML parts as ``html``."""
    assert response.headers["content-type"].startswith("application/x-panes-navigation")
    text, out = response.text, []
    while text:
        eol = text.index("\n")
        head = json.loads(text[:eol])
        units = text[eol + 1:].encode("utf-16-le")
        parts, at = [], 0
        for size in head.get("n", []):
            parts.append(units[at * 2:(at + size) * 2].decode("utf-16-le"))
            at += size
        head["html"] = parts
        text = units[at * 2:].decode("utf-16-le")
        out.append(head)
    return out


def state_after(before: str, record: dict) -> str:
    """What the browser rebuilds from a record's delta (panes.js's rebuild)."""
    fields = before.split(".", 1)[1].split("|")
    items = {i.split(",", 1)[0]: i for i in fields[3].split(";") if i}
    for rid in record.get("drop", []):
        del items[rid]
    items.update({i.split(",", 1)[0]: i for i in record["add"].split(";") if i})
    url = record.get("su", record.get("url", fields[1]))
    body = "|".join([fields[0], url, fields[2], ";".join(items[k] for k in sorted(items)),
                     record.get("sb", "")])
    return record["sig"] + "." + body


async def test_only_the_changed_slot_is_executed(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    calls().clear()
    first = lines(await client.get("/views", headers={"Panes-State": state}))[0]
    assert first["patches"] == ["analytics/children"]
    assert visible(first["html"][0]) == "views"
    # the root layout, the analytics layout, and the other slots did not run
    assert dict(calls()) == {"@analytics/views/page.py": 1}


async def test_slots_without_a_match_keep_what_they_show(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/views")).text)
    calls().clear()
    first = lines(await client.get("/settings", headers={"Panes-State": state}))[0]
    # team changes; analytics has no match at /settings: kept, not replaced by its default
    assert first["patches"] == ["team"]
    assert dict(calls()) == {"@team/settings/page.py": 1}
    regions = decode(state_after(state, first), SECRET).regions
    assert regions["analytics/children"].url == "/views"
    # @team has no layout and no boundary: its folders share the team region
    assert regions["team"].url == "/settings" and "team/children" not in regions


async def test_newly_mounted_slots_get_their_default(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/settings")).text)
    first = lines(await client.get("/admin-area/reports", headers={"Panes-State": state}))[0]
    assert first["patches"] == ["children"]
    # @user has no page at /admin-area/reports, and the browser never had it: its default
    assert visible(first["html"][0]) == "user default"


async def test_a_forged_tree_cannot_run_a_slot_the_layout_would_not_place(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/admin-area")).text)  # no admin cookie: user view
    assert "ADMIN" not in (await client.get("/admin-area")).text
    head, regions, tail = state.rsplit("|", 2)[0], state.rsplit("|", 2)[1], state.rsplit("|", 1)[1]
    forged = f"{head}|{regions};children/admin,00000000,/admin-area,l,,,|{tail}"
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
    html = dict(zip(first["patches"], first["html"], strict=True))
    assert "views" in html["analytics"]  # from /views, which activated it
    assert "team settings" in html["team"]
    assert html["children"] == "home"  # from /, which activated it
    assert calls()["layout.py"] == 0


async def test_unknown_url_or_bad_state_fall_back_to_a_full_load(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    assert lines(await client.get("/nowhere", headers={"Panes-State": state})) == [
        {"hard": True, "html": []}]
    assert (await client.get("/", headers={"Panes-State": "junk"})).status_code == 400


async def test_redirects_are_answered_as_such(tmp_path, client_for):
    app = App(write_app(tmp_path / "app", {
        "page.py": "def page():\n    return 'home'\n",
        "old/page.py": "from panes import redirect\n\ndef page():\n    redirect('/')\n",
    }), secret=SECRET)
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    assert lines(await client.get("/old", headers={"Panes-State": state})) == [
        {"redirect": "/", "html": []}]


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
        {"hard": True, "html": []}]
    first = lines(await client.get("/checkout", headers={"Panes-State": state}))[0]
    assert first["patches"] == ["children/children"]  # the same root layout: soft


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
    assert first["patches"] == ["children"] and visible(first["html"][0]) == "x"
