"""A broken network in Chromium: answers cut at every point, delays, refused connections, 502/503/504
from a restarting upstream, offline. Every failure ends in a page the user can act on, with the URL
bar, history and DOM in agreement, and never an uncaught exception.

The faults come from a proxy (tests/proxy.py) between Chromium and ``panes start``. A soft
navigation to /streamy answers in chunks: the patch with two loading UIs (1), the main fill
(2), the side fill (3), the final state (4); its document the same way, the first chunk being
the document up to its fills.
"""

from __future__ import annotations

import pytest
from conftest import same_document, serving, start, write_app
from proxy import Cut, Proxy, Refuse, Status

COUNTER = "import itertools\n_count = itertools.count(1)\n"

FILES = {
    "layout.py": """
        from markupsafe import Markup

        metadata = {"title": "Faults"}

        def layout(children, side, note):
            return Markup(
                '<!doctype html><html><head></head><body><nav>'
                '<a id="to-home" href="/" data-panes-prefetch="false">home</a> '
                '<a id="to-streamy" href="/streamy" data-panes-prefetch="false">streamy</a> '
                '<a id="pre-streamy" href="/streamy">streamy, prefetched</a> '
                '<a id="to-plain" href="/plain" data-panes-prefetch="false">plain</a> '
                '<a id="to-form" href="/form" data-panes-prefetch="false">form</a> '
                '<a id="to-pinned" href="/pinned" data-panes-prefetch="false">pinned</a>'
                '</nav><main>') + children + Markup('</main><aside>') + side + Markup(
                '</aside><footer>') + note + Markup('</footer></body></html>')
    """,
    "page.py": "from htpy import h1, input\n\ndef page():\n    return [h1('#home')['Home'], input('#home-input')]\n",
    "@side/default.py": "from htpy import p\n\ndef default():\n    return p('#side-default')['side default']\n",
    "streamy/loading.py": "from htpy import p\n\ndef loading():\n    return p('#main-loading')['loading main']\n",
    "streamy/page.py": COUNTER + """
import asyncio
from htpy import p

async def metadata():
    await asyncio.sleep(0.3)
    return {"title": "Streamy"}

async def page():
    await asyncio.sleep(0.2)
    return p('#main')[f'streamy main {next(_count)}']
""",
    "@side/streamy/loading.py": "from htpy import p\n\ndef loading():\n    return p('#side-loading')['loading side']\n",
    "@side/streamy/page.py": COUNTER + """
import asyncio
from htpy import input, p

async def page():
    await asyncio.sleep(0.5)
    return [p('#side')[f'streamy side {next(_count)}'], input('#side-input')]
""",
    "glacial/loading.py": "def loading():\n    return 'loading glacial'\n",
    "glacial/page.py": "import asyncio\nfrom htpy import p\n\nasync def page():\n"
                       "    await asyncio.sleep(5)\n    return p('#glacial')['glacial']\n",
    "@note/default.py": "RESTORE = True\n\ndef default():\n    return 'note default'\n",
    "@note/pinned/page.py": "def page():\n    return 'pinned note'\n",
    "plain/page.py": COUNTER + "from htpy import p\n\ndef page():\n    return p('#plain')[f'plain {next(_count)}']\n",
    "form/page.py": COUNTER + """
from htpy import button, form, input, p

def page(action_result=None):
    return [form('#add', method='post')[input('#title', name='title'), button('#submit')['Add']],
            p('#message')[action_result or '']]

def action(form):
    return f"Added {form.get('title')} (post {next(_count)})"
""",
}

# where a streamed answer can be cut (see the module's docstring)
BEFORE_THE_FIRST_RECORD = Cut(0, 0)
MID_RECORD = Cut(0, 12)
AFTER_THE_PATCH = Cut(1, 0)
MID_FILL = Cut(1, 12)
BETWEEN_FILLS = Cut(2, 0)
BEFORE_THE_STATE = Cut(3, 0)
EVERY_CUT = [BEFORE_THE_FIRST_RECORD, MID_RECORD, AFTER_THE_PATCH, MID_FILL, BETWEEN_FILLS,
             BEFORE_THE_STATE]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with serving(write_app(tmp_path_factory.mktemp("faults") / "app", FILES)) as live, \
            Proxy(live.port) as proxy:
        yield proxy


@pytest.fixture
def net(site):
    """The proxy, with nothing armed and nothing seen."""
    site.reset()
    yield site
    site.reset()


@pytest.fixture
def errors(page):
    """Uncaught exceptions and unhandled rejections, in every document the page loads."""
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def streamy_in_full(page) -> None:
    page.wait_for_selector("#side", timeout=15_000)
    assert page.text_content("#main").startswith("streamy main")
    assert page.locator("#main-loading, #side-loading").count() == 0


def history_length(page) -> int:
    """Entries since :func:`start` (a new page's first entry does not count)."""
    return page.evaluate("history.length") - 1  # type: ignore[no-any-return]


@pytest.mark.parametrize("cut", EVERY_CUT, ids=repr)
def test_a_cut_soft_navigation_loads_the_target_in_full(page, net, errors, cut):
    start(page, net)
    net.arm(cut, path="/streamy", header="panes-state")
    page.click("#to-streamy")
    page.wait_for_function("window.marker === undefined")
    streamy_in_full(page)
    assert page.url == net.url + "/streamy"
    assert history_length(page) == 2  # one entry for the click, whenever the answer was cut
    page.go_back()
    page.wait_for_selector("#home")
    assert page.url == net.url + "/"
    assert errors == []


@pytest.mark.parametrize("cut", [BEFORE_THE_FIRST_RECORD, MID_RECORD, BETWEEN_FILLS], ids=repr)
def test_a_cut_after_the_prefetched_loading_ui_loads_the_target_in_full(page, net, errors, cut):
    start(page, net)
    page.hover("#pre-streamy")
    page.wait_for_function("() => true")
    page.wait_for_timeout(300)  # the prefetch (the loading UIs) is in
    assert net.requests(header="panes-prefetch")
    net.arm(cut, path="/streamy", header="panes-state")
    page.click("#pre-streamy")
    page.wait_for_function("window.marker === undefined")
    streamy_in_full(page)
    assert page.url == net.url + "/streamy"
    assert history_length(page) == 2
    assert errors == []


def _streamy_then_plain_without_cache(page, net) -> None:
    """/ → /streamy → /plain, softly; refresh() drops what the runtime kept for Back."""
    start(page, net)
    page.click("#to-streamy")
    page.wait_for_selector("#side")
    page.click("#to-plain")
    page.wait_for_selector("#plain")
    page.evaluate("window.panes.refresh()")


@pytest.mark.parametrize("cut", [BEFORE_THE_FIRST_RECORD, MID_RECORD, MID_FILL, BETWEEN_FILLS,
                                 BEFORE_THE_STATE, Status(502), Refuse()], ids=repr)
def test_a_failed_restore_loads_the_entry_in_full(page, net, errors, cut):
    _streamy_then_plain_without_cache(page, net)
    net.arm(cut, path="/streamy", header="panes-target")
    page.go_back()
    page.wait_for_function("window.marker === undefined")
    streamy_in_full(page)
    assert page.url == net.url + "/streamy"
    assert net.requests(header="panes-target")  # it was a restore that failed
    assert history_length(page) == 3
    page.go_forward()
    page.wait_for_selector("#plain")
    assert page.url == net.url + "/plain"
    assert errors == []


def test_a_failed_restore_after_a_reload_is_one_full_page_load_not_a_loop(page, net, errors):
    start(page, net)
    page.click("#to-pinned")
    page.wait_for_selector("footer:has-text('pinned note')")
    # after a reload, @note's RESTORE = True brings it back: its answer fails each time
    net.arm(Status(502), header="panes-target", times=5)
    page.reload()
    page.wait_for_selector("footer:has-text('note default')")
    page.wait_for_timeout(1500)
    assert len(net.requests(header="panes-target")) == 1
    assert page.url == net.url + "/pinned" and page.text_content("footer") == "note default"
    assert errors == []


@pytest.mark.parametrize("fault", [BEFORE_THE_FIRST_RECORD, MID_RECORD, Status(503)], ids=repr)
def test_a_failed_refresh_loads_the_page_in_full(page, net, errors, fault):
    start(page, net, "/plain")
    shown = page.text_content("#plain")
    net.arm(fault, path="/plain", header="panes-refresh")
    page.evaluate("window.panes.refresh(); 0")
    page.wait_for_function("window.marker === undefined")
    page.wait_for_function("s => document.querySelector('#plain').textContent !== s", arg=shown)
    assert page.url == net.url + "/plain"
    assert history_length(page) == 1
    assert errors == []


@pytest.mark.parametrize("cut", [BEFORE_THE_FIRST_RECORD, MID_RECORD], ids=repr)
def test_a_cut_action_answer_tells_the_form_and_never_posts_again(page, net, errors, cut):
    start(page, net, "/form")
    page.evaluate("document.addEventListener('panes:error', e => window.failed = e.target.id)")
    net.arm(cut, method="POST")
    page.fill("#title", "milk")
    page.click("#submit")
    page.wait_for_function("window.failed === 'add'")
    page.wait_for_timeout(300)
    assert len(net.requests("POST")) == 1
    assert page.input_value("#title") == "milk"
    assert same_document(page) and page.url == net.url + "/form" and history_length(page) == 1
    page.click("#submit")  # the user's own second post works
    page.wait_for_selector("#message:has-text('Added milk')")
    assert len(net.requests("POST")) == 2
    assert errors == []


@pytest.mark.parametrize("code", [502, 503, 504])
def test_a_restarting_upstream_shows_its_error_for_a_post(page, net, errors, code):
    start(page, net, "/form")
    net.arm(Status(code), method="POST")
    page.fill("#title", "bread")
    page.click("#submit")
    page.wait_for_selector(f"h1:has-text('{code}')")
    page.wait_for_timeout(300)
    assert len(net.requests("POST")) == 1
    assert page.url == net.url + "/form"
    assert errors == []


@pytest.mark.parametrize("fault", [Status(502), Status(503), Status(504), Refuse()], ids=repr)
def test_a_restarting_upstream_makes_a_navigation_a_full_page_load(page, net, errors, fault):
    start(page, net)
    net.arm(fault, path="/plain", header="panes-state")
    page.click("#to-plain")
    page.wait_for_function("window.marker === undefined")
    page.wait_for_selector("#plain")
    assert page.url == net.url + "/plain"
    assert history_length(page) == 2
    assert errors == []


# -- a document whose own stream was cut ---------------------------------------------------
# Chromium leaves such a document loading for ever (no DOMContentLoaded, no load event): the
# runtime takes a streamed document silent for 4 s for cut (the server beats every second).


def start_cut(page, net, path: str) -> None:
    page.goto(net.url + path, wait_until="commit")
    page.wait_for_function("window.panes !== undefined")
    page.evaluate("window.marker = 'same document'")


def has_state(page) -> None:
    page.wait_for_function("history.state && history.state.panes", timeout=15_000)


def test_a_document_cut_before_its_fills_gets_them_and_its_state(page, net, errors):
    net.arm(AFTER_THE_PATCH, path="/streamy")  # the document up to its fills, no more
    start_cut(page, net, "/streamy")
    streamy_in_full(page)
    page.wait_for_function("document.title === 'Streamy'")  # metadata arrives with the state
    page.click("#to-plain")  # a state exists: links are soft navigations again
    page.wait_for_selector("#plain")
    assert same_document(page)
    assert errors == []


def test_a_document_cut_inside_a_fill_gets_it_whole(page, net, errors):
    net.arm(MID_FILL, path="/streamy")
    start_cut(page, net, "/streamy")
    streamy_in_full(page)
    has_state(page)
    assert page.locator("[data-panes-fill]").count() == 0  # the cut fill's box is gone
    assert page.text_content("body").count("streamy main") == 1
    assert errors == []


def test_a_document_cut_before_its_state_gets_it(page, net, errors):
    net.arm(BEFORE_THE_STATE, path="/streamy")
    start_cut(page, net, "/streamy")
    streamy_in_full(page)
    has_state(page)
    page.wait_for_function("document.title === 'Streamy'")
    page.click("#to-plain")
    page.wait_for_selector("#plain")
    assert same_document(page)
    assert errors == []


def test_links_are_full_page_loads_until_the_document_has_its_state(page, net, errors):
    net.arm(MID_FILL, path="/streamy")  # the runtime runs; the state never comes
    start_cut(page, net, "/streamy")
    page.hover("#pre-streamy")  # no prefetch without a state, and no exception
    page.click("#to-plain")  # before the runtime reads the page again
    page.wait_for_function("window.marker === undefined")
    page.wait_for_selector("#plain")
    assert page.url == net.url + "/plain"
    assert not net.requests(header="panes-state")
    assert errors == []


def test_a_slow_slot_is_not_taken_for_a_cut(page, net, errors):
    start_cut(page, net, "/glacial")  # 5 s without a fill: the server beats meanwhile
    page.wait_for_selector("#glacial", timeout=15_000)
    has_state(page)
    assert [s.path for s in net.requests("GET")].count("/glacial") == 1
    assert errors == []


# -- offline -----------------------------------------------------------------------------------


@pytest.mark.parametrize("link", ["#to-plain", "#pre-streamy"])
def test_a_click_while_offline_keeps_the_page_and_tells_the_link(page, net, errors, link):
    start(page, net)
    page.evaluate("document.addEventListener('panes:error', e => window.failed = e.target.id)")
    page.hover("#pre-streamy")  # prefetched while online: its loading UI is at hand
    page.wait_for_timeout(300)
    page.fill("#home-input", "typed")
    page.context.set_offline(True)
    page.click(link)
    page.wait_for_function("id => window.failed === id", arg=link[1:])
    page.wait_for_timeout(200)
    assert page.url == net.url + "/" and same_document(page) and history_length(page) == 1
    assert page.input_value("#home-input") == "typed"
    assert page.locator("#main-loading").count() == 0
    assert page.evaluate("window.panes.push('/plain').then(() => 'done', () => 'rejected')") == "rejected"
    page.context.set_offline(False)
    page.click("#to-plain")
    page.wait_for_selector("#plain")
    assert same_document(page) and page.url == net.url + "/plain"
    assert errors == []
