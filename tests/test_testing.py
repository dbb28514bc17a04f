"""``panes.testing``: what a user's own pytest suite does with it, on the examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import write_app

from panes import App
from panes.testing import AsyncClient, Client

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DASHBOARD = EXAMPLES / "dashboard" / "app"
MAIL = EXAMPLES / "mail" / "app"


@pytest.fixture(scope="module")
def dashboard():
    with Client(DASHBOARD) as client:
        yield client


def test_a_page_has_its_status_regions_and_text(dashboard):
    home = dashboard.get("/")
    assert home.status == 200
    assert {"children", "team", "analytics"} <= set(home.regions)
    assert "<!--panes:" not in home.region("team")  # the user's HTML, without panes's markers
    assert home.text("team")  # text with tags removed
    with pytest.raises(KeyError, match="no region 'nope'"):
        home.region("nope")


def test_a_soft_navigation_says_which_regions_changed_and_keeps_the_others(dashboard):
    home = dashboard.get("/")
    settings = home.navigate("/settings")
    assert settings.url == "/settings"
    assert not settings.hard
    assert "team" in settings.changed
    assert "analytics" not in settings.changed
    # what was not rendered again is what the page showed, as in the browser
    assert settings.region("analytics") == home.region("analytics")
    assert settings.region("team") != home.region("team")
    # and it matches what a full load shows for the slots that URL renders
    assert settings.region("team") == dashboard.get("/settings").region("team")


def test_navigating_from_a_url_loads_it_first(dashboard):
    page = dashboard.navigate("/", "/page-views")
    assert page.url == "/page-views" and page.changed and "" not in page.changed


def test_refresh_renders_everything_and_swaps_only_what_changed(dashboard):
    home = dashboard.get("/")
    again = home.refresh()
    assert again.changed == () and again.url == "/"  # nothing changed: nothing swapped
    assert all(again.region(r) == home.region(r) for r in home.regions if r)


def test_head_title_and_meta(tmp_path):
    app_dir = write_app(tmp_path / "app", {
        "layout.py": ("from markupsafe import Markup\n\n"
                      "metadata = {'title': {'template': '%s | Mail', 'default': 'Mail'}, "
                      "'description': 'Your mail'}\n\n"
                      "def layout(children):\n"
                      "    return Markup('<html><head></head><body>') + children"
                      " + Markup('</body></html>')\n"),
        "page.py": "def page():\n    return 'inbox'\n",
        "inbox/page.py": "metadata = {'title': 'Inbox', 'openGraph': {'title': 'Inbox'}}\n\n"
                         "def page():\n    return 'inbox'\n",
    })
    with Client(app_dir) as client:
        page = client.get("/")
        assert page.title == "Mail"
        assert page.meta["description"] == "Your mail"
        inbox = page.navigate("/inbox")  # the head follows the soft navigation
    assert inbox.title == "Inbox | Mail"
    assert inbox.meta["og:title"] == "Inbox" and inbox.meta["description"] == "Your mail"


def test_a_form_posted_to_an_action_runs_it_and_follows_the_redirect(tmp_path):
    app_dir = write_app(tmp_path / "app", {
        "page.py": """
            from panes import redirect
            NAMES = []

            def page():
                return 'names: ' + ', '.join(NAMES)

            def action(form):
                NAMES.append(form['name'])
                redirect('/')
        """,
    })
    with Client(app_dir) as client:
        page = client.post("/", {"name": "Ana"})
        assert page.status == 200 and "names: Ana" in page.text()
        again = page.submit({"name": "Bo"}, soft=True)  # as the runtime posts it
        assert "names: Ana, Bo" in again.text()


def test_the_lifespan_runs_and_cookies_are_kept(tmp_path):
    app_dir = write_app(tmp_path / "app", {
        "lifespan.py": """
            from contextlib import asynccontextmanager

            @asynccontextmanager
            async def lifespan(app):
                yield {"greeting": "hello from the lifespan"}
        """,
        "page.py": """
            def page(state, cookies):
                return state['greeting'] + ' / ' + (cookies.get('who') or 'nobody')
        """,
        "login/route.py": """
            def post(cookies):
                cookies.set('who', 'ana')
                return None
        """,
    })
    with Client(app_dir) as client:
        assert "hello from the lifespan / nobody" in client.get("/").text()
        assert client.request("POST", "/login").status_code == 204
        assert "hello from the lifespan / ana" in client.get("/").text()


def test_the_mail_example_logs_in_and_opens_a_message(monkeypatch):
    monkeypatch.syspath_prepend(str(MAIL.parent))
    from app._lib.store import DEMO_EMAIL, DEMO_PASSWORD

    with Client(MAIL) as client:
        login = client.get("/inbox")  # the middleware sends a logged-out user to /login
        assert login.url.startswith("/login") and "Sign in" in login.text()
        inbox = login.submit({"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": "/inbox"})
        assert inbox.url == "/inbox" and inbox.status == 200
        assert client.cookies.get("session")
        assert inbox.title
        link = re.search(r'href="(/inbox/[^"]+)"', inbox.html)
        assert link, "the inbox links to its messages"
        message = inbox.navigate(link.group(1))
        assert message.url == link.group(1) and not message.hard
        assert "" not in message.changed  # the document stays: only the regions that change
        assert "children/modal" not in message.changed  # the modal slot keeps its DOM
        assert "children/list/children" in message.changed


@pytest.mark.anyio
async def test_the_async_client_for_async_tests(tmp_path):
    app_dir = write_app(tmp_path / "app", ["page.py", "about/page.py"])
    async with AsyncClient(App(app_dir)) as client:
        home = await client.get("/")
        about = await client.navigate(home, "/about")
    assert about.url == "/about" and "about/page.py" in about.text()
