"""Metadata on the wire: the head of hard loads, soft navigations, restores and streams."""

from __future__ import annotations

import json
import re
import time
from html import unescape

import httpx
import pytest
from conftest import serving, write_app

from panes.appdir.check import analyze
from panes.core import protocol

pytestmark = pytest.mark.anyio

LAYOUT = """
    from markupsafe import Markup

    metadata = {"title": {"template": "%s | Mail", "default": "Mail"},
                "description": "Mail for small teams"}

    def layout(children, modal):
        return Markup("<html><head><meta charset='utf-8'></head><body><main>{}</main>{}"
                      "</body></html>").format(children, modal)
"""

FILES = {
    "layout.py": LAYOUT,
    "page.py": "def page():\n    return 'inbox'\n",
    "@modal/default.py": "STICKY = False\n\ndef default():\n    return None\n",
    "about/page.py": 'metadata = {"title": "About"}\n\ndef page():\n    return "about"\n',
    "about/team/page.py": 'metadata = {"title": "Team"}\n\ndef page():\n    return "team"\n',
    "inbox/[id]/page.py": """
        import asyncio

        async def metadata(params, search_params):
            await asyncio.sleep(0.01)
            return {"title": f"Message {params['id']}",
                    "description": f"Preview of {params['id']} ({search_params.get('q', '-')})"}

        def page(params):
            return "message " + params["id"]
    """,
    "photos/[id]/page.py": """
        def metadata(params):
            return {"title": f"Photo {params['id']}", "openGraph": {"title": "full"}}

        def page(params):
            return "full photo " + params["id"]
    """,
    "@modal/(.)photos/[id]/page.py": """
        def metadata(params):
            return {"title": f"Photo {params['id']} (modal)", "openGraph": {"title": "modal"}}

        def page(params):
            return "modal photo " + params["id"]
    """,
    "evil/page.py": """
        metadata = {"title": "</title><script>alert(1)</script>", "description": '"><b>'}

        def page():
            return "evil"
    """,
}


def title(html: str) -> str | None:
    found = re.findall(r"<title>(.*?)</title>", html)
    assert len(found) <= 1, found
    return found[0] if found else None


def meta(html: str, name: str) -> str | None:
    found = re.search(rf'<meta (?:name|property)="{re.escape(name)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def state_of(html: str) -> str:
    return re.search(r'id="panes-state">([^<]*)</script>', html).group(1)


def records(response: httpx.Response) -> list[dict]:
    return protocol.parse(response.text)


def after(state: str, record: dict) -> str:
    return protocol.dumps(protocol.merge(json.loads(state), record))


@pytest.fixture
def app(make_app):
    return make_app(FILES)


async def test_hard_load_writes_the_head_with_the_layout_template(app, client_for):
    html = (await client_for(app).get("/about")).text
    head = html[:html.index("</head>")]
    assert title(head) == "About | Mail"
    assert meta(head, "description") == "Mail for small teams"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1"' in head
    assert head.startswith("<!DOCTYPE html><html><head><meta charset='utf-8'>")


async def test_the_root_page_gets_the_default_and_nested_pages_the_template(app, client_for):
    client = client_for(app)
    assert title((await client.get("/")).text) == "Mail"
    assert title((await client.get("/about/team")).text) == "Team | Mail"


async def test_a_metadata_function_gets_params_and_search_params(app, client_for):
    html = (await client_for(app).get("/inbox/42?q=lunch")).text
    assert title(html) == "Message 42 | Mail"
    assert meta(html, "description") == "Preview of 42 (lunch)"


async def test_values_are_escaped(app, client_for):
    html = (await client_for(app).get("/evil")).text
    assert "<script>alert(1)</script>" not in html
    assert title(html) == "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; | Mail"
    assert meta(html, "description") == "&#34;&gt;&lt;b&gt;"


async def test_an_app_without_metadata_gets_the_viewport_only(make_app, client_for):
    app = make_app({"page.py": "def page():\n    return 'hi'\n"})
    html = (await client_for(app).get("/")).text
    assert html.startswith('<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" '
                           'content="width=device-width, initial-scale=1" data-panes-head=')
    assert title(html) is None


async def test_a_layout_own_title_and_viewport_give_way_to_metadata(make_app, client_for,
                                                                     tmp_path):
    files = {
        "layout.py": """
            from markupsafe import Markup

            metadata = {"title": "From metadata"}

            def layout(children):
                return Markup('<html><head><title>Own</title><meta name="viewport" '
                              'content="width=400"></head><body>{}</body></html>').format(children)
        """,
        "page.py": "def page():\n    return 'hi'\n",
    }
    app = make_app(files)
    html = (await client_for(app).get("/")).text
    assert title(html) == "From metadata"
    assert html.count('name="viewport"') == 1
    warnings = [str(p) for p in analyze(tmp_path / "app").warnings]
    assert any("app/layout.py" in w and "<title>" in w for w in warnings), warnings
    assert any('<meta name="viewport">' in w for w in warnings), warnings


async def test_viewport_export(make_app, client_for):
    app = make_app({
        "layout.py": 'viewport = {"themeColor": "#112233", "initialScale": 2}\n\n'
                     "def layout(children):\n    return children\n",
        "page.py": "def page():\n    return 'hi'\n",
    })
    html = (await client_for(app).get("/")).text
    assert meta(html, "viewport") == "width=device-width, initial-scale=2"
    assert meta(html, "theme-color") == "#112233"


# -- which files contribute ---------------------------------------------------------------------

SLOTS = {
    "layout.py": """
        from markupsafe import Markup

        metadata = {"title": {"template": "%s | Dash", "default": "Dash"}}

        def layout(children, team, request):
            admin = request.query_params.get("role") == "admin"
            return Markup("<html><body>{}{}</body></html>").format(children, team if admin else "")
    """,
    "page.py": 'metadata = {"description": "home"}\n\ndef page():\n    return "home"\n',
    "default.py": "def default():\n    return None\n",
    "@team/page.py": 'metadata = {"title": "Team home", "description": "team"}\n\n'
                     "def page():\n    return 'team'\n",
    "@team/default.py": "def default():\n    return None\n",
    "@team/settings/page.py": 'metadata = {"title": "Settings"}\n\ndef page():\n    return "s"\n',
}


async def test_slot_pages_contribute_and_children_wins(make_app, client_for):
    client = client_for(make_app(SLOTS))
    home = (await client.get("/?role=admin")).text
    assert title(home) == "Team home | Dash"  # children sets no title: the slot's fills it
    assert meta(home, "description") == "home"  # children wins the key both set
    settings = (await client.get("/settings?role=admin")).text
    assert title(settings) == "Settings | Dash"  # children shows its default: no metadata


async def test_a_slot_the_layout_does_not_place_contributes_nothing(make_app, client_for):
    client = client_for(make_app(SLOTS))
    html = (await client.get("/settings")).text
    assert title(html) == "Dash"


# -- soft navigations ---------------------------------------------------------------------------

async def test_a_soft_navigation_carries_the_head_only_when_it_changes(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/about")).text)
    patch = records(await client.get("/about/team", headers={"Panes-State": state}))[0]
    head = patch["head"]
    assert head["title"] == "Team | Mail"
    description = [t for t in head["tags"] if t[2].get("name") == "description"]
    assert description[0][2]["content"] == "Mail for small teams"
    state = after(state, patch)
    # the same head again (another query, same metadata): no head in the record
    again = records(await client.get("/about/team?x=1", headers={"Panes-State": state}))[0]
    assert "head" not in again
    print(f"\nhead update of a soft navigation: {len(json.dumps(head, separators=(',', ':')))}"
          " bytes")


async def test_the_head_after_a_soft_navigation_is_that_of_a_hard_load(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    patch = records(await client.get("/inbox/7?q=x", headers={"Panes-State": state}))[0]
    hard = (await client.get("/inbox/7?q=x")).text
    assert patch["head"]["title"] == title(hard) == "Message 7 | Mail"
    tags = {t[0] for t in patch["head"]["tags"]}
    assert tags == set(re.findall(r'data-panes-head="([0-9a-f]+)"', hard))


async def test_an_intercepted_modal_has_its_own_head_and_a_reload_the_full_page(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/")).text)
    patch = records(await client.get("/photos/3", headers={"Panes-State": state}))[0]
    assert patch["swap"] == ["modal"]
    assert patch["head"]["title"] == "Photo 3 (modal) | Mail"
    assert ["og:title", "modal"] in [[t[2].get("property"), t[2].get("content")]
                                      for t in patch["head"]["tags"]]
    hard = (await client.get("/photos/3")).text
    assert title(hard) == "Photo 3 | Mail" and meta(hard, "og:title") == "full"
    # closing the modal by navigating elsewhere (STICKY = False): the head follows
    state = after(state, patch)
    close = records(await client.get("/about", headers={"Panes-State": state}))[0]
    assert close["head"]["title"] == "About | Mail"


async def test_a_refresh_sends_the_head_only_when_it_changed(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/about")).text)
    answer = records(await client.get("/about", headers={
        "Panes-State": state, "Panes-Target": state, "Panes-Regions": "children"}))
    assert answer[0]["t"] == "patch" and "head" not in answer[0]


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "words"), [
    ('metadata = {"title": 42}\n', ['app/page.py: error: metadata["title"] is int (42)']),
    ('metadata = {"descripton": "x"}\n', ["app/page.py", '"description"']),
    ("metadata = 3\n", ["app/page.py", "expected a dict"]),
    ('viewport = {"initialScale": []}\n', ["app/page.py", 'viewport["initialScale"]']),
    ("def metadata(param):\n    return {}\n", ["app/page.py", "metadata()", "'param'"]),
])
def test_wrong_metadata_is_a_check_error_naming_the_file(tmp_path, source, words):
    write_app(tmp_path / "app", {"page.py": source + "\ndef page():\n    return 'x'\n"})
    errors = [str(p) for p in analyze(tmp_path / "app").errors]
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0]


ERRORS = {
    "layout.py": "def layout(children):\n    return children\n",
    "error.py": "def error(error):\n    return 'boundary: ' + str(error)\n",
    "page.py": "def page():\n    return 'home'\n",
    "wrong/page.py": 'def metadata():\n    return {"title": 42}\n\ndef page():\n    return "x"\n',
    "raises/page.py": "async def metadata():\n    raise ValueError('no such message')\n\n"
                      "def page():\n    return 'x'\n",
}


async def test_a_function_returning_a_wrong_value_fails_at_render_naming_the_file(make_app,
                                                                                 client_for):
    client = client_for(make_app(ERRORS, dev=True))
    response = await client.get("/wrong")
    assert response.status_code == 200
    # the file named as panes check names it (issue 23.10)
    assert 'boundary: app/wrong/page.py: error: metadata["title"] is int (42)' in unescape(
        response.text)


async def test_metadata_that_raises_renders_the_error_boundary(make_app, client_for):
    client = client_for(make_app(ERRORS, dev=True))
    response = await client.get("/raises")
    assert response.status_code == 200
    assert "boundary: no such message" in response.text
    assert ">x<" not in response.text


async def test_metadata_that_raises_without_a_boundary_is_a_500(make_app, client_for):
    files = {k: v for k, v in ERRORS.items() if k != "error.py"}
    response = await client_for(make_app(files)).get("/raises")
    assert response.status_code == 500


# -- streaming ----------------------------------------------------------------------------------

STREAM = {
    "layout.py": """
        from markupsafe import Markup

        metadata = {"title": {"template": "%s | S", "default": "S"}, "description": "outer"}

        def layout(children):
            return Markup("<html><head></head><body>{}</body></html>").format(children)
    """,
    "slow/loading.py": "def loading():\n    return 'loading'\n",
    "slow/page.py": """
        import asyncio

        async def metadata():
            await asyncio.sleep(0.6)
            return {"title": "Slow", "description": "inner"}

        async def page():
            return 'content'
    """,
    "quick/loading.py": "def loading():\n    return 'loading'\n",
    "quick/page.py": """
        import asyncio

        metadata = {"title": "Quick"}

        async def page():
            await asyncio.sleep(0.3)
            return 'content'
    """,
}


def chunks(url: str) -> list[tuple[float, str]]:
    out = []
    with httpx.Client(headers={"accept-encoding": "identity"}) as client:
        start = time.perf_counter()
        with client.stream("GET", url) as response:
            for chunk in response.iter_raw():
                out.append((time.perf_counter() - start, chunk.decode()))
    return out


def test_waiting_metadata_behind_a_loading_boundary_streams_after_the_loading_ui(tmp_path):
    app_dir = write_app(tmp_path / "app", STREAM)
    with serving(app_dir) as live:
        got = chunks(live.url + "/slow")
        quick = "".join(c for _, c in chunks(live.url + "/quick"))
    first_at, first = got[0]
    assert "loading" in first and first_at < 0.4, got  # not held back by metadata()
    assert "<title>" not in first  # not the layout's default: the page's title is coming
    whole = "".join(c for _, c in got)
    late = whole[whole.index("</head>"):]
    assert "<noscript><title>Slow | S</title>" in late  # read without JavaScript
    assert '<script>panes.head({"title":"Slow | S"' in late
    # a dict behind the boundary is ready at once: in <head> from the first flush
    assert title(quick[:quick.index("</head>")]) == "Quick | S"
    assert "panes.head(" not in quick


async def test_a_soft_navigation_sends_a_late_head_in_the_last_record(make_app, client_for):
    app = make_app(STREAM)
    client = client_for(app)
    state = state_of((await client.get("/quick")).text)
    answer = records(await client.get("/slow", headers={"Panes-State": state}))
    assert answer[0]["t"] == "patch" and "head" not in answer[0]
    assert answer[-1]["t"] == "state" and answer[-1]["head"]["title"] == "Slow | S"
