"""``panes dev`` without a browser: the dev script and its stream exist only under dev, the
error overlay (page, soft-navigation answer, broken app directory), dev warnings, and that
nothing of it leaves the server under ``panes start``."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from conftest import write_app

from panes import App
from panes.core import protocol
from panes.http import dev
from panes.render import overlay
from panes.tools import serve

pytestmark = pytest.mark.anyio

LAYOUT = """
from markupsafe import Markup

def layout(children, team):
    return Markup('<html><head><title>t</title></head><body><main>') + children + \\
        Markup('</main><aside>') + team + Markup('</aside></body></html>')
"""
BOOM = """def helper(n):
    return 10 / n

def page():
    total = helper(0)
    return f"total {total}"
"""
FILES = {
    "layout.py": LAYOUT,
    "page.py": "def page():\n    return 'hello'\n",
    "boom/page.py": BOOM,
    "@team/page.py": "def page():\n    return 'team'\n",
    "@team/default.py": "def default():\n    return None\n",
}


@pytest.fixture
def app_dir(tmp_path):
    return write_app(tmp_path / "app", FILES)


def client(app: App) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def state_of(html: str) -> str:
    start = html.index('id="panes-state">') + len('id="panes-state">')
    return html[start:html.index("</script>", start)]


async def test_the_dev_script_is_served_and_added_only_under_dev(app_dir):
    async with client(App(app_dir, dev=True)) as c:
        page = await c.get("/")
        assert dev.script_path() in page.text
        assert page.text.index(dev.script_path()) < page.text.index("</head>")
        script = await c.get(dev.script_path())
        assert script.status_code == 200 and "EventSource" in script.text
    async with client(App(app_dir, dev=False)) as c:
        page = await c.get("/")
        assert "/_panes/dev" not in page.text
        assert (await c.get(dev.script_path())).status_code == 404
        assert (await c.get(dev.EVENTS)).status_code == 404


async def test_a_render_error_under_dev_is_the_overlay_with_the_users_code_first(app_dir):
    async with client(App(app_dir, dev=True)) as c:
        answer = await c.get("/boom")
    assert answer.status_code == 500
    text = answer.text
    assert "ZeroDivisionError: division by zero" in text
    assert "boom/page.py, line 2, in helper()" in text
    assert "return 10 / n" in text and "total = helper(0)" in text  # the code around it
    assert "frames of panes and libraries folded" in text
    # the user's frames come before the folded ones
    assert text.index("Your code") < text.index("frames of panes and libraries folded")
    assert dev.script_path() in text  # it recovers by itself once fixed


async def test_under_start_nothing_of_the_error_leaves_the_server(app_dir):
    async with client(App(app_dir, dev=False)) as c:
        answer = await c.get("/boom")
        home = await c.get("/")
        soft = await c.get("/boom", headers={"Panes-State": state_of(home.text)})
    assert answer.status_code == 500
    for text in (answer.text, soft.text):
        assert "ZeroDivisionError" not in text and "helper" not in text
        assert "page.py" not in text and "Traceback" not in text
    assert overlay.ERROR_HEADER not in soft.headers
    assert protocol.parse(soft.text)[0]["t"] == "hard"


async def test_a_soft_navigation_that_fails_under_dev_keeps_the_page_and_brings_the_overlay(
        app_dir):
    async with client(App(app_dir, dev=True)) as c:
        home = await c.get("/")
        soft = await c.get("/boom", headers={"Panes-State": state_of(home.text)})
    assert soft.headers[overlay.ERROR_HEADER] == "1"
    (record,) = protocol.parse(soft.text)
    assert record["t"] == "state"  # the runtime keeps what it shows
    assert set(record) == {"t", "error", "html"}  # and its state is unchanged
    assert "ZeroDivisionError" in record["error"] and "return 10 / n" in record["error"]


@pytest.fixture
def root_formatters():
    """server_app() under dev sets short tracebacks on the root logger's handlers (a worker's
    own): put back what the tests' handlers had."""
    handlers = list(logging.getLogger().handlers)
    kept = [h.formatter for h in handlers]
    yield
    for handler, formatter in zip(handlers, kept, strict=True):
        handler.setFormatter(formatter)


async def test_a_broken_app_directory_shows_its_problems_with_the_code(app_dir, monkeypatch,
                                                                      root_formatters):
    (app_dir / "page.py").write_text("def page(:\n    return 'x'\n")
    monkeypatch.setenv(serve.ENV_APP_DIR, str(app_dir))
    monkeypatch.setenv(serve.ENV_DEV, "1")
    monkeypatch.delenv(serve.ENV_SLOT_TIMEOUT, raising=False)
    app = serve.server_app()
    async with client(app) as c:  # type: ignore[arg-type]
        page = await c.get("/")
        soft = await c.get("/", headers={"Panes-State": "{}"})
    assert page.status_code == 500
    assert "app/page.py" in page.text and "SyntaxError" in page.text
    assert "def page(:" in page.text  # the line, in its code frame
    assert dev.script_path() in page.text
    record = protocol.parse(soft.text)[0]
    assert record["t"] == "state" and "def page(:" in record["error"]


def test_under_start_a_broken_app_directory_does_not_start(app_dir, monkeypatch):
    (app_dir / "page.py").write_text("def page(:\n    return 'x'\n")
    monkeypatch.setenv(serve.ENV_APP_DIR, str(app_dir))
    monkeypatch.setenv(serve.ENV_DEV, "")
    with pytest.raises(Exception, match="SyntaxError"):
        serve.server_app()


def test_scopes_name_the_region_a_file_renders_into():
    assert dev.scope_of("layout.py") == "reload"
    assert dev.scope_of("(shop)/layout.py") == "reload"
    assert dev.scope_of("page.py") == "children"
    assert dev.scope_of("photos/[id]/page.py") == "children"
    assert dev.scope_of("photos/layout.py") == "children"
    assert dev.scope_of("@team/settings/page.py") == "team"
    assert dev.scope_of("@modal/(.)photos/[id]/page.py") == "modal"
    assert dev.scope_of("_ui/card.py") == "*"
    assert dev.scope_of("error.py") == "*"
    assert dev.scope_of("middleware.py") == "*"


def test_the_event_stream_says_hello_with_every_file(app_dir, live_server):
    with live_server(App(app_dir, dev=True)) as live, httpx.stream(
            "GET", live.url + dev.EVENTS, timeout=5) as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in events.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    assert "event: hello" in lines
    hello = json.loads(lines[-1][5:])
    assert hello["files"]["page.py"][1] == "children"
    assert hello["files"]["@team/page.py"][1] == "team"
    assert hello["files"]["layout.py"][1] == "reload"


async def test_a_layout_that_leaves_out_a_slot_with_a_page_warns_under_dev(tmp_path, caplog):
    app_dir = write_app(tmp_path / "app", {
        **FILES,
        "layout.py": "def layout(children, team):\n    return children\n",
    })
    caplog.set_level(logging.WARNING, "panes")
    async with client(App(app_dir, dev=True)) as c:
        await c.get("/")
    warning = [r.getMessage() for r in caplog.records if "did not place" in r.getMessage()]
    assert len(warning) == 1
    assert "app/layout.py" in warning[0] and "'team'" in warning[0]
    assert "app/@team/page.py" in warning[0] and "Fix:" in warning[0]
    caplog.clear()
    async with client(App(app_dir, dev=False)) as c:
        await c.get("/")
    assert not [r for r in caplog.records if "did not place" in r.getMessage()]


def test_the_terminal_report_is_short():
    try:
        exec(compile("def f():\n    return 1 / 0\nf()\n", "/tmp/user_code.py", "exec"), {})
    except ZeroDivisionError as exc:
        text = overlay.short(overlay.report(exc))
    assert text.splitlines()[0] == "ZeroDivisionError: division by zero"
    assert "/tmp/user_code.py:2 in f" in text
    assert len(text.splitlines()) < 10
