"""``revalidate`` wired into rendering, as a user of the app sees it: which functions run, what
each request shows, and what an invalidation changes.

User functions count their calls in a shared module (``calls``) and show data from it, so a
test can change "the database" and see whether a page shows it. Time is a fake clock; Redis is
a real ``redis-server`` (the fixture of ``test_cache_region``).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from conftest import visible, write_app
from test_cache_region import Clock, RedisServer, redis_server  # noqa: F401 - a fixture

from panes import App
from panes.appdir.check import Analysis, analyze
from panes.cache import MemoryStore, RegionCache
from panes.cache.redis_store import RedisStore
from panes.core import protocol
from panes.core.errors import AppDirError

pytestmark = pytest.mark.anyio

SECRET = b"test secret"

CALLS = """
from collections import Counter
CALLS = Counter()
DATA = {"team": "team v1", "messages": ["hello"], "report": "report v1"}
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The module the app's functions count their calls in and read their data from."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "calls.py").write_text(CALLS)
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    sys.modules.pop("calls", None)
    import calls as module

    yield module
    sys.modules.pop("calls", None)


def counted(kind: str, body: str, header: str = "", args: str = "") -> str:
    """A special file whose function counts its calls and returns ``body`` (an expression)."""
    return textwrap.dedent(header) + textwrap.dedent(f"""
        from markupsafe import Markup
        import calls

        def {kind}({args}):
            calls.CALLS[__file__.rsplit("/app/", 1)[1]] += 1
            return {body}
        """)


LAYOUT = counted("layout", "Markup('<main>') + children + team + Markup('</main>')",
                 args="children, team")

_dirs = itertools.count()


@pytest.fixture
def make(tmp_path: Path, calls: ModuleType, clock: Clock) -> Callable[..., App]:
    """``make(files, cache=None)``: an App over a fresh app directory, by default with an
    in-process cache on the test's clock."""

    def build(files: dict[str, str], cache: RegionCache | None = None,
              app_dir: Path | None = None) -> App:
        if app_dir is None:
            app_dir = write_app(tmp_path / f"app{next(_dirs)}" / "app", files)
        cache = cache or RegionCache(MemoryStore(clock=clock), clock=clock)
        return App(app_dir, secret=SECRET, cache=cache)

    return build


def client(app: App) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                             base_url="http://test", follow_redirects=False)


async def text(app: App, url: str, **kwargs: Any) -> str:
    async with client(app) as c:
        response = await c.get(url, **kwargs)
        assert response.status_code == 200, response.text
        return shown(response.text)


def shown(html: str) -> str:
    """What the user's functions produced, without panes's document around it."""
    html = visible(html).removeprefix("<!DOCTYPE html>")
    html = re.sub(r"<head>.*?</head>", "", html, flags=re.S)  # the tags panes writes there
    if "<body>" in html:
        html = html.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    return html


def state_of(html: str) -> str:
    found = re.search(r'id="panes-state">([^<]*)</script>', html)
    assert found is not None
    return found.group(1)


# -- per slot --------------------------------------------------------------------------------


async def test_a_cached_slot_sits_beside_a_live_one(make: Callable[..., App],
                                                    calls: ModuleType, clock: Clock) -> None:
    app = make({
        "layout.py": LAYOUT,
        "page.py": counted("page", "'live ' + str(calls.CALLS['page.py'])"),
        "@team/page.py": counted("page", "calls.DATA['team']", "revalidate = 60\n"),
    })
    assert await text(app, "/") == "<main>live 1team v1</main>"
    calls.DATA["team"] = "team v2"
    assert await text(app, "/") == "<main>live 2team v1</main>"  # team cached, page live
    assert calls.CALLS["@team/page.py"] == 1 and calls.CALLS["page.py"] == 2


async def test_expiry_serves_stale_once_while_one_rerender_replaces_it(
        make: Callable[..., App], calls: ModuleType, clock: Clock) -> None:
    app = make({
        "layout.py": LAYOUT,
        "page.py": counted("page", "'page'"),
        "@team/page.py": counted("page", "calls.DATA['team']", "revalidate = 60\n"),
    })
    assert "team v1" in await text(app, "/")
    calls.DATA["team"] = "team v2"
    clock.advance(59)
    assert "team v1" in await text(app, "/")  # still fresh
    clock.advance(2)
    assert "team v1" in await text(app, "/")  # stale: served once more, re-rendered behind
    await app.cache.idle()
    assert "team v2" in await text(app, "/")
    assert calls.CALLS["@team/page.py"] == 2


async def test_a_failing_rerender_keeps_the_old_region(make: Callable[..., App],
                                                       calls: ModuleType, clock: Clock,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    app = make({
        "layout.py": LAYOUT,
        "page.py": counted("page", "'page'"),
        "@team/page.py": counted("page", "calls.DATA['team'].upper()", "revalidate = 60\n"),
    })
    assert "TEAM V1" in await text(app, "/")
    calls.DATA["team"] = None  # the next render raises
    clock.advance(61)
    assert "TEAM V1" in await text(app, "/")
    await app.cache.idle()
    assert "TEAM V1" in await text(app, "/")
    assert "re-rendering" in caplog.text


async def test_the_query_is_in_the_key_only_when_declared(make: Callable[..., App],
                                                          calls: ModuleType) -> None:
    app = make({
        "page.py": counted("page", "search_params.get('q', '-')", "revalidate = 60\n",
                           "search_params"),
        "about/page.py": counted("page", "'about'", "revalidate = 60\n"),
    })
    assert "a" in await text(app, "/?q=a")
    assert "b" in await text(app, "/?q=b")
    assert "a" in await text(app, "/?q=a")
    await text(app, "/about?utm=1")
    await text(app, "/about?utm=2")
    assert calls.CALLS["page.py"] == 2 and calls.CALLS["about/page.py"] == 1


async def test_params_make_entries_of_their_own(make: Callable[..., App],
                                                calls: ModuleType) -> None:
    app = make({"[id]/page.py": counted("page", "'item ' + params['id']", "revalidate = 60\n",
                                        "params")})
    assert await text(app, "/1") == "item 1"
    assert await text(app, "/2") == "item 2"
    assert await text(app, "/1") == "item 1"
    assert calls.CALLS["[id]/page.py"] == 2


async def test_a_layout_is_cached_per_segment_it_reads(make: Callable[..., App],
                                                       calls: ModuleType) -> None:
    tabs = counted("layout", "Markup('<nav>' + str(selected_layout_segment()) + '</nav>') "
                   "+ children", "from panes import selected_layout_segment\nrevalidate = 60\n",
                   "children")
    app = make({
        "layout.py": tabs,
        "a/page.py": counted("page", "'page a'", "revalidate = 60\n"),
        "b/page.py": counted("page", "'page b'", "revalidate = 60\n"),
    })
    assert await text(app, "/a") == "<nav>a</nav>page a"
    assert await text(app, "/b") == "<nav>b</nav>page b"  # never another URL's active tab
    assert await text(app, "/a") == "<nav>a</nav>page a"
    assert await text(app, "/b") == "<nav>b</nav>page b"
    assert calls.CALLS["layout.py"] == 2


async def test_a_cached_layout_places_this_requests_slots(make: Callable[..., App],
                                                          calls: ModuleType) -> None:
    """The layout is cached without its slots: each request fills in its own (here one is
    live), and text in a param never becomes a slot."""
    app = make({
        "[x]/layout.py": counted("layout", "Markup('<h1>') + params['x'] + Markup('</h1>') "
                                 "+ children + team", "revalidate = 60\n",
                                 "children, team, params"),
        "[x]/page.py": counted("page", "'n=' + str(calls.CALLS['[x]/page.py'])"),
        "[x]/@team/page.py": counted("page", "'team'"),
    })
    assert await text(app, "/one") == "<h1>one</h1>n=1team"
    assert await text(app, "/one") == "<h1>one</h1>n=2team"
    assert calls.CALLS["[x]/layout.py"] == 1
    forged = "%EE%80%80000000000000:team%EE%80%81"  # a placeholder spelled in the URL
    assert "team" not in (await text(app, "/" + forged)).split("</h1>")[0].replace(
        ":team", "")


# -- what can never be cached -----------------------------------------------------------------


@pytest.mark.parametrize("args", ["cookies", "request", "action_result=None", "params, **rest"])
def test_revalidate_beside_a_per_user_argument_is_a_check_error(tmp_path: Path,
                                                                args: str) -> None:
    analysis = analyze(write_app(tmp_path / "app", {
        "page.py": f"revalidate = 60\n\ndef page({args}):\n    return 'x'\n"}))
    [error] = analysis.errors
    assert error.path == "app/page.py" and "revalidate" in error.message
    assert "one user's page" in error.message and "would be shown to others" in error.message
    assert args.split("=")[0].split(",")[0] in error.message or "**kwargs" in error.message


ALICE = {
    "layout.py": counted("layout", "Markup('<main>') + str(action_result) + children + "
                         "Markup('</main>')", "revalidate = 60\n", "children, action_result=None"),
    "page.py": counted("page", "Markup('<form method=post><input name=email></form>RESULT:') "
                       "+ str(action_result)", "revalidate = 60\n", "action_result=None")
    + "\ndef action(form):\n    return form['email']\n",
}


def test_an_app_that_caches_an_action_result_does_not_start(tmp_path: Path,
                                                            calls: ModuleType) -> None:
    with pytest.raises(AppDirError) as refused:
        App(write_app(tmp_path / "app", ALICE))
    assert "app/page.py" in str(refused.value) and "action_result" in str(refused.value)
    assert "app/layout.py" in str(refused.value)


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps start whatever ``panes check`` says of ``revalidate``: the renderer alone must keep
    a per-request region out of the cache (a check skipped, a rule it does not know yet)."""
    import panes.http.app

    def lenient(app_dir: str | Path) -> Analysis:
        found = analyze(app_dir)
        return dataclasses.replace(found, problems=tuple(
            p for p in found.problems if "revalidate" not in p.message))

    monkeypatch.setattr(panes.http.app, "analyze", lenient)


async def test_an_action_result_is_never_shown_to_another_request(
        make: Callable[..., App], calls: ModuleType, clock: Clock, tmp_path: Path,
        unchecked: None) -> None:
    """Alice posts her address to a page that says ``revalidate`` and shows ``action_result``;
    Bob's plain load never shows it: not from the cache, not after the entry went stale and a
    refresh ran (the file renders per request)."""
    app = make(ALICE)
    await alice_then_bob(app, app, clock)


async def test_an_action_result_is_never_shown_to_another_worker_over_redis(
        make: Callable[..., App], calls: ModuleType, clock: Clock, tmp_path: Path,
        unchecked: None, redis_caches: Callable[[], RegionCache]) -> None:
    app_dir = write_app(tmp_path / "alice" / "app", ALICE)
    one, two = (make({}, cache=redis_caches(), app_dir=app_dir) for _ in range(2))
    await alice_then_bob(one, two, clock)


async def alice_then_bob(one: App, two: App, clock: Clock) -> None:
    """Alice posts to ``one``, with and without JavaScript; Bob loads the page from ``two``,
    while the entries are fresh, then once they are stale (a refresh starts), then again."""
    headers = {"origin": "http://test"}
    async with client(one) as alice, client(two) as bob:
        for stale in (False, True, True):
            if stale:
                clock.advance(61)
            posted = await alice.post("/", data={"email": "alice@example.com"}, headers=headers)
            assert "RESULT:alice@example.com" in posted.text  # Alice sees her own result
            await bob_sees_no_result(one, bob)
            state = {"Panes-State": state_of((await alice.get("/")).text), **headers}
            soft = await alice.post("/", data={"email": "alice@example.com"}, headers=state)
            assert "RESULT:alice@example.com" in soft.text  # with JavaScript too
            await bob_sees_no_result(one, bob)


async def bob_sees_no_result(one: App, bob: httpx.AsyncClient) -> None:
    for _ in range(2):  # the second load: anything a refresh stored meanwhile
        seen = await bob.get("/")
        assert "alice" not in seen.text and "RESULT:None" in seen.text
        await one.cache.idle()


@pytest.mark.parametrize("line", ["revalidate = '60'", "revalidate = -1",
                                  "TAGS = 'messages'"])
def test_a_revalidate_or_tags_of_the_wrong_kind_is_a_check_error(tmp_path: Path,
                                                                 line: str) -> None:
    analysis = analyze(write_app(tmp_path / "app", {
        "page.py": f"{line}\n\ndef page():\n    return 'x'\n"}))
    [error] = analysis.errors
    assert line.split(" =")[0] in error.message


async def test_a_cached_region_never_shows_another_users_data(make: Callable[..., App],
                                                              calls: ModuleType) -> None:
    app = make({
        "layout.py": counted("layout", "Markup('<main>') + children + team + Markup('</main>')",
                             "revalidate = 60\n", "children, team"),
        "page.py": counted("page", "'hello ' + (cookies.get('name') or '?')", "", "cookies"),
        "@team/page.py": counted("page", "'team'", "revalidate = 60\n"),
    })
    assert await text(app, "/", headers={"cookie": "name=ada"}) == "<main>hello adateam</main>"
    assert await text(app, "/", headers={"cookie": "name=bob"}) == "<main>hello bobteam</main>"
    assert await text(app, "/") == "<main>hello ?team</main>"


#: An app whose every region is cached.
ALL_CACHED = {
    "layout.py": LAYOUT.replace("def layout", "revalidate = 60\n\ndef layout"),
    "page.py": counted("page", "'home'", "revalidate = 60\n"),
    "@team/page.py": counted("page", "'team'", "revalidate = 60\n"),
    "@team/other/page.py": counted("page", "'other team'", "revalidate = 60\n"),
    "default.py": counted("default", "'nothing here'", "revalidate = 60\n"),
}


async def test_a_remembered_document_is_bound_to_each_requester(make: Callable[..., App],
                                                                calls: ModuleType) -> None:
    """Every region cached: the second load runs no user function, but the navigation state in
    it is made for its requester (another user's state is refused)."""
    app = make(ALL_CACHED)
    async with client(app) as c:
        await c.get("/", headers={"cookie": "session=ada"})
        before = dict(calls.CALLS)
        ada = await c.get("/", headers={"cookie": "session=ada"})
        bob = await c.get("/", headers={"cookie": "session=bob"})
        assert dict(calls.CALLS) == before  # answered without running any function
        assert shown(ada.text) == shown(bob.text) == "<main>hometeam</main>"
        assert state_of(ada.text) != state_of(bob.text)
        nav = await c.get("/other", headers={"Panes-State": state_of(bob.text),
                                             "cookie": "session=bob"})
        [first, *_] = protocol.parse(nav.text)
        assert first["swap"] == ["team"] and visible(first["html"][0]) == "other team"
        stolen = await c.get("/other", headers={"Panes-State": state_of(ada.text),
                                               "cookie": "session=bob"})
        assert protocol.parse(stolen.text)[0]["t"] == "hard"
        # bound to the cookies, not to how the header spells them (the renderer binds the
        # state it makes the same way): a soft navigation from it is a patch, not a full load
        for header in ("theme=dark; session=ada", "session=ada;theme=dark"):
            await c.get("/", headers={"cookie": header})
            before = dict(calls.CALLS)
            again = await c.get("/", headers={"cookie": header})
            assert dict(calls.CALLS) == before  # the remembered document
            nav = await c.get("/other", headers={"Panes-State": state_of(again.text),
                                                 "cookie": "session=ada; theme=dark"})
            assert protocol.parse(nav.text)[0]["t"] == "patch"


# -- the fast path ----------------------------------------------------------------------------


async def test_soft_navigations_use_cached_regions(make: Callable[..., App],
                                                   calls: ModuleType) -> None:
    app = make({
        "layout.py": LAYOUT,
        "page.py": counted("page", "'home'"),
        "@team/page.py": counted("page", "'team'"),
        "@team/default.py": counted("default", "'team default'"),
        "settings/page.py": counted("page", "'settings'", "revalidate = 60\n"),
    })
    async with client(app) as c:
        state = state_of((await c.get("/")).text)
        for _ in range(3):
            nav = await c.get("/settings", headers={"Panes-State": state})
            assert visible(protocol.parse(nav.text)[0]["html"][0]) == "settings"
    assert calls.CALLS["settings/page.py"] == 1


class CountingStore(MemoryStore):
    """The in-process store, counting the regions read from it."""

    reads = 0

    async def get(self, key: str) -> Any:
        self.reads += 1
        return await super().get(key)


async def test_a_remembered_soft_navigation_is_bound_to_each_requester(
        make: Callable[..., App], calls: ModuleType, clock: Clock) -> None:
    """Every region it renders cached: a soft navigation (or prefetch) made again, by anyone
    shown the same page, runs no user function and reads no region (it is answered from what
    the first one sent), but the state it sends is still checked (signature, binding) and the
    new one signed for the requester."""
    store = CountingStore(clock=clock)
    app = make(ALL_CACHED, cache=RegionCache(store, clock=clock))
    async with client(app) as c:
        states = {who: state_of((await c.get("/", headers={"cookie": f"session={who}"})).text)
                  for who in ("ada", "bob")}
        answers = {}
        for prefetch in ({}, {"Panes-Prefetch": "1"}):
            for who in ("ada", "bob", "ada"):
                before, reads = dict(calls.CALLS), store.reads
                nav = await c.get("/other", headers={"Panes-State": states[who],
                                                     "cookie": f"session={who}", **prefetch})
                assert nav.headers["cache-control"] == protocol.PRIVATE
                assert nav.headers["content-type"] == protocol.MEDIA_TYPE
                [patch] = protocol.parse(nav.text)
                assert patch["swap"] == ["team"] and visible(patch["html"][0]) == "other team"
                answers[who] = patch
            assert dict(calls.CALLS) == before and store.reads == reads  # the last: nothing
        assert answers["ada"]["sig"] != answers["bob"]["sig"]
        assert {**answers["ada"], "sig": ""} == {**answers["bob"], "sig": ""}
        for who, other in (("ada", "bob"), ("bob", "ada")):
            after = protocol.dumps(protocol.merge(json.loads(states[who]), answers[who]))
            back = await c.get("/", headers={"Panes-State": after, "cookie": f"session={who}"})
            assert protocol.parse(back.text)[0]["t"] == "patch"  # the new state is genuine
            stolen = await c.get("/", headers={"Panes-State": after,
                                               "cookie": f"session={other}"})
            assert protocol.parse(stolen.text)[0]["t"] == "hard"
        stolen = await c.get("/other", headers={"Panes-State": states["ada"],
                                               "cookie": "session=bob"})
        assert protocol.parse(stolen.text)[0]["t"] == "hard"
        forged = states["ada"].replace('"sig":"', '"sig":"x')
        refused = await c.get("/other", headers={"Panes-State": forged,
                                                 "cookie": "session=ada"})
        assert refused.status_code == 400


async def test_a_remembered_soft_navigation_goes_when_its_region_is_invalidated(
        make: Callable[..., App], calls: ModuleType) -> None:
    app = make({
        "layout.py": LAYOUT,
        "page.py": counted("page", "'home'"),
        "@team/page.py": counted("page", "'team'"),
        "@team/other/page.py": counted("page", "calls.DATA['team']", "TAGS = ['team']\n"
                                       "revalidate = 60\n"),
    })
    async with client(app) as c:
        state = state_of((await c.get("/")).text)
        for _ in range(2):
            nav = await c.get("/other", headers={"Panes-State": state})
            assert visible(protocol.parse(nav.text)[0]["html"][0]) == "team v1"
        calls.DATA["team"] = "team v2"
        await app.cache.revalidate_tag("team")
        nav = await c.get("/other", headers={"Panes-State": state})
        assert visible(protocol.parse(nav.text)[0]["html"][0]) == "team v2"
    assert calls.CALLS["@team/other/page.py"] == 2


async def test_cached_content_behind_loading_shows_no_loading_ui(make: Callable[..., App],
                                                                 calls: ModuleType) -> None:
    app = make({
        "layout.py": LAYOUT,
        "page.py": counted("page", "'home'"),
        "@team/loading.py": "def loading():\n    return 'LOADING'\n",
        "@team/page.py": """
            import asyncio
            import calls
            revalidate = 60

            async def page():
                calls.CALLS["@team/page.py"] += 1
                await asyncio.sleep(0.01)
                return calls.DATA["report"]
            """,
    })
    first = await text(app, "/")
    assert "LOADING" in first and "report v1" in first  # streamed: loading UI, then content
    second = await text(app, "/")
    assert "LOADING" not in second
    assert second == "<main>homereport v1</main>"
    assert calls.CALLS["@team/page.py"] == 1


# -- invalidation -----------------------------------------------------------------------------

INBOX = """
import panes
revalidate = float("inf")
TAGS = ["messages"]

def page():
    calls.CALLS["inbox/page.py"] += 1
    return ", ".join(calls.DATA["messages"])

async def action(form):
    calls.DATA["messages"].append(form["text"])
    panes.{how}
    panes.redirect("/inbox")
"""


@pytest.mark.parametrize("how", ["revalidate_tag('messages')", "revalidate_path('/inbox/')"])
async def test_an_action_that_invalidates_redirects_to_fresh_content(
        make: Callable[..., App], calls: ModuleType, how: str) -> None:
    app = make({"inbox/page.py": "import calls\n" + INBOX.replace("{how}", how)})
    async with client(app) as c:
        assert shown((await c.get("/inbox")).text) == "hello"
        assert shown((await c.get("/inbox")).text) == "hello"
        posted = await c.post("/inbox", data={"text": "world"})
        assert posted.status_code == 303
        assert shown((await c.get(posted.headers["location"])).text) == "hello, world"
    assert calls.CALLS["inbox/page.py"] == 2


async def test_revalidate_path_keeps_other_paths(make: Callable[..., App],
                                                 calls: ModuleType) -> None:
    app = make({"[id]/page.py": counted("page", "calls.DATA['team'] + params['id']",
                                        "revalidate = float('inf')\n", "params")})
    await text(app, "/1")
    await text(app, "/2")
    calls.DATA["team"] = "new"
    await app.cache.revalidate_path("/1")
    assert await text(app, "/1") == "new1"
    assert await text(app, "/2") == "team v12"


@pytest.fixture
async def redis_caches(redis_server: RedisServer, clock: Clock  # noqa: F811
                       ) -> AsyncIterator[Callable[[], RegionCache]]:
    """Caches over one Redis server: each is another worker's."""
    made: list[RegionCache] = []
    prefix = f"app{next(_dirs)}:"

    def make_cache() -> RegionCache:
        made.append(RegionCache(RedisStore(redis_server.url, prefix=prefix), clock=clock))
        return made[-1]

    yield make_cache
    for cache in made:
        await cache.close()


@pytest.mark.parametrize("how", ["revalidate_tag('messages')", "revalidate_path('/inbox')"])
async def test_two_workers_share_entries_and_invalidations_over_redis(
        make: Callable[..., App], calls: ModuleType, tmp_path: Path,
        redis_caches: Callable[[], RegionCache], how: str) -> None:
    app_dir = write_app(tmp_path / "shared" / "app",
                        {"inbox/page.py": "import calls\n" + INBOX.replace("{how}", how)})
    one = make({}, cache=redis_caches(), app_dir=app_dir)
    two = make({}, cache=redis_caches(), app_dir=app_dir)
    assert await text(one, "/inbox") == "hello"
    assert await text(two, "/inbox") == "hello"
    assert calls.CALLS["inbox/page.py"] == 1  # rendered by one worker, a hit in the other
    async with client(one) as c:
        posted = await c.post("/inbox", data={"text": "world"})
    assert posted.status_code == 303
    assert await text(two, "/inbox") == "hello, world"  # the other worker sees it at once
    assert await text(one, "/inbox") == "hello, world"
    assert calls.CALLS["inbox/page.py"] == 2


async def test_a_lost_redis_renders_instead(make: Callable[..., App], calls: ModuleType,
                                            clock: Clock) -> None:
    dead = RedisServer()  # a free port that nothing listens on
    app = make({"page.py": counted("page", "'home'", "revalidate = 60\n")},
               cache=RegionCache(RedisStore(dead.url, timeout=0.05), clock=clock))
    assert await text(app, "/") == "home"
    assert await text(app, "/") == "home"
    assert calls.CALLS["page.py"] == 2
    await app.cache.close()


def test_nothing_is_cached_without_revalidate(tmp_path: Path) -> None:
    app = App(write_app(tmp_path / "app", ["layout.py", "page.py", "@team/page.py"]),
              secret=SECRET)
    assert not app.regions.specs and not app.documents



def test_a_state_made_once_for_many_requesters_is_the_same_state() -> None:
    """The remembered document's state is written once and signed per requester: it must be
    exactly what ``encode`` makes, for any state and any binding."""
    from test_navigation import STATES

    for state in STATES:
        make = protocol.encoder(state, SECRET)
        for bound in ("someone", "QUJD-_09", ""):
            assert make(bound) == protocol.encode(state, SECRET, bound)


async def test_a_remembered_document_goes_when_a_region_goes_stale(
        make: Callable[..., App], calls: ModuleType, clock: Clock) -> None:
    app = make({"page.py": counted("page", "calls.DATA['team']", "revalidate = 60\n")})
    assert await text(app, "/") == "team v1"
    assert await text(app, "/") == "team v1"  # remembered
    calls.DATA["team"] = "team v2"
    clock.advance(61)
    assert await text(app, "/") == "team v1"  # stale: once more, re-rendered behind
    await app.cache.idle()
    assert await text(app, "/") == "team v2"
    assert await text(app, "/") == "team v2"
    assert calls.CALLS["page.py"] == 2
