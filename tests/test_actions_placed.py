"""Actions in any placed page: a slot's page runs its action when a form it rendered is posted
(with and without JavaScript), only if the layouts place that page for the request; a post that
no action serves is a 404 or a 405 that says why."""

from __future__ import annotations

import json
import re

import pytest
from placed_app import counts, make

from panes import App
from panes.core import protocol
from panes.render.forms import ACTION_FIELD, mark

pytestmark = pytest.mark.anyio


@pytest.fixture
def site(tmp_path):
    app_dir, db = make(tmp_path)
    return App(app_dir, secret=b"placed"), db


def marker(html: str, form_id: str) -> str:
    """The hidden field panes put in the form ``form_id``."""
    found = re.search(rf'<form method="post" id="{form_id}"><input type="hidden" '
                      rf'name="{ACTION_FIELD}" value="(\w+)">', html)
    assert found, f"no mark in {form_id}"
    return found.group(1)


def state_of(html: str) -> dict:
    return json.loads(html.split('id="panes-state">', 1)[1].split("</script>", 1)[0])


async def test_a_slots_page_runs_its_action_without_javascript(site, client_for):
    app, db = site
    client = client_for(app)
    page = (await client.get("/issues/A-1")).text
    token = marker(page, "detail-form")
    answer = await client.post("/issues/A-1", data={"title": "tea", ACTION_FIELD: token})
    assert answer.status_code == 200
    # the action got the slot's params, the path, and the form without panes's field
    assert "renamed A-1 to tea (posted at /issues/A-1, fields [&#39;title&#39;])" in answer.text
    assert counts(db) == {"detail:A-1": 1}
    invalid = await client.post("/issues/A-1", data={"title": "", ACTION_FIELD: token})
    assert invalid.status_code == 422 and "a title is required" in invalid.text


async def test_a_slots_page_runs_its_action_from_the_runtime(site, client_for):
    app, db = site
    client = client_for(app)
    page = (await client.get("/issues/A-1")).text
    wire = state_of(page)
    answer = await client.post("/issues/A-1", data={"title": "tea",
                                                    ACTION_FIELD: marker(page, "detail-form")},
                               headers={"Panes-State": protocol.dumps(wire)})
    patch = protocol.parse(answer.text)[0]
    assert patch["t"] == "patch" and "children" not in patch["swap"]
    assert "renamed A-1 to tea" in patch["html"][patch["swap"].index("detail")]
    assert counts(db) == {"detail:A-1": 1}


async def test_a_slot_that_kept_its_page_posts_from_another_url(site, client_for):
    """@detail shows A-1 while children moved to /board (the slot keeps its page): its form
    posts to /board, and runs with A-1's params."""
    app, db = site
    client = client_for(app)
    page = (await client.get("/issues/A-1")).text
    wire = state_of(page)
    moved = await client.get("/board", headers={"Panes-State": protocol.dumps(wire)})
    for record in protocol.parse(moved.text):
        wire = protocol.merge(wire, record)
    assert wire["url"] == "/board"
    answer = await client.post("/board", data={"title": "cake",
                                               ACTION_FIELD: marker(page, "detail-form")},
                               headers={"Panes-State": protocol.dumps(wire)})
    patch = protocol.parse(answer.text)[0]
    assert "renamed A-1 to cake (posted at /issues/A-1" in patch["html"][patch["swap"].index("detail")]
    assert counts(db) == {"detail:A-1": 1}
    # without the state (no JavaScript), /board does not show A-1: its action does not run
    refused = await client.post("/board", data={"title": "x",
                                                ACTION_FIELD: marker(page, "detail-form")})
    assert refused.status_code == 403 and counts(db) == {"detail:A-1": 1}


@pytest.mark.parametrize("javascript", [False, True])
async def test_an_action_runs_only_where_the_layouts_show_its_page(site, client_for,
                                                                   javascript):
    """As role=user, GET /admin is "Forbidden" (the layout does not place the page), and
    POST /admin does not run the admin action, whatever the post names."""
    app, db = site
    admin = client_for(app)
    admin.cookies.set("role", "admin")
    token = marker((await admin.get("/admin")).text, "admin-form")
    user = client_for(app)
    user.cookies.set("role", "user")
    page = await user.get("/admin")
    assert "Forbidden" in page.text and "admin-form" not in page.text
    headers = {"Panes-State": protocol.dumps(state_of(page.text))} if javascript else {}
    for data in ({"title": "x", ACTION_FIELD: token}, {"title": "x"}):
        answer = await user.post("/admin", data=data, headers=headers)
        assert "admin action ran" not in answer.text
        if javascript:
            assert answer.headers["content-type"] == protocol.MEDIA_TYPE
        else:
            assert answer.status_code == 403 and "Forbidden" in answer.text
    assert "admin" not in counts(db)
    # the admin's post runs it
    answer = await admin.post("/admin", data={"title": "x", ACTION_FIELD: token})
    assert answer.status_code == 200 and "admin action ran" in answer.text
    assert counts(db) == {"admin": 1}


async def test_a_layout_that_redirects_refuses_the_action(site, client_for):
    app, db = site
    client = client_for(app)
    answer = await client.post("/guarded", data={"title": "x"})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert counts(db) == {}
    # from the runtime: the redirect is a record, the action does not run
    wire = protocol.dumps(state_of((await client.get("/")).text))
    answer = await client.post("/guarded", data={"title": "x"}, headers={"Panes-State": wire})
    (record,) = protocol.parse(answer.text)
    assert record["t"] == "redirect" and record["url"] == "/login"
    assert counts(db) == {}
    client.cookies.set("role", "user")
    answer = await client.post("/guarded", data={"title": "x"})
    assert answer.status_code == 303 and answer.headers["location"] == "/guarded"
    assert counts(db) == {"guarded": 1}


async def test_a_mark_of_another_page_is_not_authority(site, client_for):
    """A form's field names a page; a post naming a page the URL does not show runs nothing."""
    app, db = site
    client = client_for(app)
    token = marker((await client.get("/issues/A-1")).text, "detail-form")
    answer = await client.post("/plain", data={"title": "x", ACTION_FIELD: token})
    assert answer.status_code == 403 and counts(db) == {}
    answer = await client.post("/issues/A-1", data={"title": "x", ACTION_FIELD: "0" * 16})
    assert answer.status_code == 405 and counts(db) == {}


async def test_a_post_no_action_serves(site, client_for):
    app, _ = site
    client = client_for(app)
    nowhere = await client.post("/nowhere", data={"a": "1"})
    assert nowhere.status_code == 404
    plain = await client.post("/plain", data={"a": "1"})
    assert plain.status_code == 405 and plain.headers["allow"] == "GET, HEAD"
    assert "no action() serves it: its page defines no action()" in plain.text
    assert "app/plain" not in plain.text  # the file is named under panes dev only
    # under panes dev, a post from the runtime gets the overlay over the page, saying why
    dev = client_for(App(app.app_dir, dev=True, secret=b"placed"))
    page = (await dev.get("/plain")).text
    answer = await dev.post("/plain", data={"a": "1"},
                            headers={"Panes-State": protocol.dumps(state_of(page))})
    assert "app/plain/page.py defines no action()" in answer.text


@pytest.mark.parametrize(("html", "marked"), [
    ('<form method="post">', True),
    ("<FORM METHOD=POST class=x>", True),
    ("<form method='post' action=''>", True),
    ('<form method="get">', False),
    ("<form>", False),  # a GET form
    ('<form method="post" action="/logout">', False),  # posts to another URL's page
    ('<form data-action="x" method="post">', True),
    ('<form title="a > b" method="post">', True),
    ('<formation method="post">', False),
])
def test_which_forms_are_marked(html, marked):
    assert (mark(html, "abc") != html) is marked


def test_an_actions_answer_streams_ready_regions_before_a_slow_slot(tmp_path):
    """Under ``panes start``: the field's result (and everything ready) is the first record,
    long before the slow slot behind loading.py, which follows as a fill; the slow slot keeps
    its DOM meanwhile (a keep marker, not its loading UI)."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from test_serve import panes as serving_panes

    app_dir, db = make(tmp_path, slow=1.5)
    with serving_panes("start", "app", cwd=app_dir.parent) as (url, _), \
            httpx.Client(base_url=url, headers={"accept-encoding": "identity"},
                         timeout=10) as client:
        # every load of the streamed page arrives whole (a watcher of the client leaving,
        # cancelled once the page was rendered, made granian cut the stream after its first
        # flush, one load in four)
        with ThreadPoolExecutor(12) as pool:
            loads = list(pool.map(lambda _: client.get("/issues/A-1").text, range(12)))
        assert all("insights for A-1" in page for page in loads)
        page = loads[0]
        form = {"title": "tea", ACTION_FIELD: marker(page, "detail-form")}
        arrivals: list[tuple[float, str]] = []
        start = time.perf_counter()
        with client.stream("POST", "/issues/A-1", data=form,
                           headers={"Panes-State": protocol.dumps(state_of(page))}) as answer:
            assert answer.headers["content-type"] == protocol.MEDIA_TYPE
            for chunk in answer.iter_text():
                arrivals.append((time.perf_counter() - start, chunk))
    text = "".join(chunk for _, chunk in arrivals)
    first_at = next(at for at, chunk in arrivals if "renamed A-1 to tea" in chunk)
    slow_at = next(at for at, chunk in arrivals if "insights for A-1" in chunk)
    assert first_at < 0.9 and slow_at > 1.4, arrivals
    records = protocol.parse(text)
    assert [r["t"] for r in records] == ["patch", "fill", "state"]
    patch, fill, _ = records
    assert "insights loading" not in "".join(patch["html"])  # the browser keeps what it shows
    assert fill["region"] == "insights/children" and "insights for A-1" in fill["html"][0]
    assert counts(db) == {"detail:A-1": 1}


def test_panes_testing_posts_a_slots_form(site):
    """panes.testing sends the hidden field of the form it is told (or of the only one)."""
    from panes.testing import Client

    app, db = site
    with Client(app) as client:
        page = client.get("/issues/A-1")
        done = page.submit({"title": "tea"}, form="detail-form")
        assert "renamed A-1 to tea" in done.region("detail")
        soft = page.submit({"title": "cake"}, soft=True)  # the only marked form on the page
        assert "renamed A-1 to cake" in soft.region("detail")
        with pytest.raises(LookupError):
            page.submit({"title": "x"}, form="nope")
    assert counts(db) == {"detail:A-1": 2}
