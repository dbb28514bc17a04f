"""Rendering a hard load: slots placed by layouts, arguments by name, concurrency, outcomes."""

from __future__ import annotations

import time

import pytest
from conftest import visible

pytestmark = pytest.mark.anyio

ROOT_LAYOUT = """
    from markupsafe import Markup

    def layout(children, team, analytics):
        return Markup("<html><body><main>{}</main><aside>{}</aside><nav>{}</nav></body></html>").format(
            children, team, analytics)
"""


class Page:
    """A response, with ``text`` as the user's functions wrote it (no region markers)."""

    def __init__(self, response):
        self.status_code = response.status_code
        self.headers = response.headers
        self.text = visible(response.text)


async def get(client_for, app, url):
    return Page(await client_for(app).get(url))


async def test_layout_places_each_slot(make_app, client_for):
    app = make_app({"layout.py": ROOT_LAYOUT, "page.py": "", "@team/page.py": "",
                    "@analytics/page.py": ""})
    r = await get(client_for, app, "/")
    assert r.status_code == 200
    assert "<main>[page.py]</main><aside>[@team/page.py]</aside><nav>[@analytics/page.py]</nav>" in r.text
    assert r.text.startswith("<!DOCTYPE html>")


async def test_slot_only_url_uses_defaults(make_app, client_for):
    app = make_app({"layout.py": ROOT_LAYOUT, "page.py": "", "default.py": "",
                    "@team/page.py": "", "@team/settings/page.py": "",
                    "@analytics/page.py": "", "@analytics/default.py": ""})
    r = await get(client_for, app, "/settings")
    assert r.status_code == 200
    assert "<main>[default.py]</main><aside>[@team/settings/page.py]</aside>" in r.text
    assert "<nav>[@analytics/default.py]</nav>" in r.text


async def test_placed_slot_without_match_or_default_is_404(make_app, client_for):
    app = make_app({"layout.py": ROOT_LAYOUT, "page.py": "", "default.py": "",
                    "@team/page.py": "", "@team/settings/page.py": "", "@analytics/page.py": "",
                    "not_found.py": "def not_found():\n    return 'custom 404'\n"})
    r = await get(client_for, app, "/settings")
    assert r.status_code == 404
    assert "custom 404" in r.text and "@team/settings" not in r.text


async def test_slot_the_layout_does_not_place_is_never_executed(make_app, client_for, tmp_path):
    marker = tmp_path / "ran"
    app = make_app({
        "layout.py": """
            def layout(children, admin, user, request):
                return admin if request.query_params.get("role") == "admin" else user
        """,
        "page.py": "",
        "@admin/page.py": f"def page():\n    open({str(marker)!r}, 'w').write('x')\n    return 'ADMIN'\n",
        "@user/page.py": "",
    })
    r = await get(client_for, app, "/?role=user")
    assert "[@user/page.py]" in r.text and "ADMIN" not in r.text
    assert not marker.exists()
    r = await get(client_for, app, "/?role=admin")
    assert "ADMIN" in r.text and marker.exists()


async def test_unplaced_slot_without_default_does_not_404(make_app, client_for):
    app = make_app({
        "layout.py": "def layout(children, admin):\n    return children\n",
        "page.py": "", "about/page.py": "", "@admin/page.py": "",
    })
    r = await get(client_for, app, "/about")
    assert r.status_code == 200 and "[about/page.py]" in r.text


async def test_slots_render_concurrently(make_app, client_for):
    slow = "import asyncio\n\nasync def page():\n    await asyncio.sleep(0.4)\n    return 'slow'\n"
    app = make_app({"layout.py": ROOT_LAYOUT, "page.py": slow, "@team/page.py": slow,
                    "@analytics/page.py": slow})
    start = time.perf_counter()
    r = await get(client_for, app, "/")
    elapsed = time.perf_counter() - start
    assert r.text.count("slow") == 3
    assert elapsed < 0.8, f"three 0.4 s slots took {elapsed:.2f} s: not concurrent"


async def test_return_values(make_app, client_for):
    app = make_app({
        "page.py": "def page():\n    return '<b>text</b>'\n",
        "html/page.py": "from markupsafe import Markup\n\ndef page():\n    return Markup('<b>html</b>')\n",
        "htpy/page.py": "from htpy import b\n\ndef page():\n    return b['<x>']\n",
        "none/page.py": "def page():\n    return None\n",
        "number/page.py": "def page():\n    return 42\n",
    })
    client = client_for(app)
    assert "&lt;b&gt;text&lt;/b&gt;" in visible((await client.get("/")).text)
    assert "<b>html</b>" in visible((await client.get("/html")).text)
    assert "<b>&lt;x&gt;</b>" in visible((await client.get("/htpy")).text)
    assert "<body></body>" in visible((await client.get("/none")).text)
    assert "<body>42</body>" in visible((await client.get("/number")).text)


async def test_minimal_document_without_root_layout(make_app, client_for):
    app = make_app(["page.py"])
    r = await get(client_for, app, "/")
    assert r.text.startswith("<!DOCTYPE html><html><head><meta charset=\"utf-8\">")
    assert r.headers["content-type"].startswith("text/html")


async def test_arguments_by_name(make_app, client_for):
    app = make_app({
        "shop/[cat]/layout.py": """
            def layout(children, params, request):
                return f"layout {params} {request.url.path} | " + str(children)
        """,
        "shop/[cat]/[...rest]/page.py": """
            def page(params, search_params):
                return f"page {params} {search_params.getlist('tag')}"
        """,
        "async/page.py": "async def page(request):\n    return 'async ' + request.method\n",
    })
    client = client_for(app)
    text = visible((await client.get("/shop/shoes/red/42?tag=a&tag=b")).text)
    assert "layout {&#39;cat&#39;: &#39;shoes&#39;} /shop/shoes/red/42" in text
    assert "page {&#39;cat&#39;: &#39;shoes&#39;, &#39;rest&#39;: [&#39;red&#39;, &#39;42&#39;]} [&#39;a&#39;, &#39;b&#39;]" in text
    assert "async GET" in visible((await client.get("/async")).text)


async def test_slot_params_hold_their_own_path(make_app, client_for):
    app = make_app({
        "layout.py": "def layout(children, crumbs):\n    return crumbs + children\n",
        "page.py": "", "a/b/page.py": "",
        "@crumbs/default.py": "",
        "@crumbs/[...path]/page.py": "def page(params):\n    return '/'.join(params['path']) + ';'\n",
    })
    text = (await get(client_for, app, "/a/b")).text
    assert "a/b;[a/b/page.py]" in text


async def test_not_found_helper_renders_nearest_not_found(make_app, client_for):
    app = make_app({
        "layout.py": "def layout(children):\n    return children\n",
        "not_found.py": "def not_found():\n    return 'root 404'\n",
        "page.py": "",
        "items/not_found.py": "def not_found():\n    return 'no such item'\n",
        "items/layout.py": "from markupsafe import Markup\n\ndef layout(children):\n    return Markup('<section>') + children + Markup('</section>')\n",
        "items/[id]/page.py": """
            from panes import not_found

            def page(params):
                if params["id"] != "1":
                    not_found()
                return "item 1"
        """,
    })
    client = client_for(app)
    assert (await client.get("/items/1")).status_code == 200
    r = Page(await client.get("/items/2"))
    assert r.status_code == 404
    assert "<section>no such item</section>" in r.text
    r = Page(await client.get("/nowhere"))
    assert r.status_code == 404 and "root 404" in r.text


async def test_not_found_in_a_named_slot_renders_that_slots_not_found(make_app, client_for):
    app = make_app({
        "layout.py": ROOT_LAYOUT, "page.py": "", "@analytics/page.py": "",
        "@team/page.py": "from panes import not_found\n\ndef page():\n    not_found()\n",
        "@team/not_found.py": "def not_found():\n    return 'no team here'\n",
    })
    r = await get(client_for, app, "/")
    assert r.status_code == 404
    assert "<main>[page.py]</main><aside>no team here</aside><nav>[@analytics/page.py]</nav>" in r.text


async def test_unmatched_url_without_not_found_file(make_app, client_for):
    app = make_app(["page.py"])
    r = await get(client_for, app, "/nowhere")
    assert r.status_code == 404 and "This page could not be found" in r.text


async def test_root_not_found_keeps_the_layout_and_slot_defaults(make_app, client_for):
    app = make_app({"layout.py": ROOT_LAYOUT, "page.py": "", "@team/page.py": "",
                    "@team/default.py": "", "@analytics/page.py": "",
                    "not_found.py": "def not_found():\n    return 'gone'\n"})
    r = await get(client_for, app, "/nowhere")
    assert r.status_code == 404
    assert "<main>gone</main><aside>[@team/default.py]</aside><nav></nav>" in r.text


async def test_redirect(make_app, client_for):
    app = make_app({
        "page.py": "from panes import redirect\n\ndef page():\n    redirect('/login?next=/')\n",
        "old/page.py": "from panes import redirect\n\ndef page():\n    redirect('/new', permanent=True)\n",
    })
    client = client_for(app)
    r = await client.get("/")
    assert r.status_code == 307 and r.headers["location"] == "/login?next=/"
    r = await client.get("/old")
    assert r.status_code == 308 and r.headers["location"] == "/new"


async def test_error_in_a_slot_renders_nearest_error_file_only_there(make_app, client_for):
    files = {
        "layout.py": ROOT_LAYOUT, "page.py": "", "@team/page.py": "",
        "@analytics/page.py": "def page():\n    raise ValueError('db down')\n",
        "@analytics/error.py": "def error(error):\n    return f'analytics failed: {error}'\n",
    }
    r = await get(client_for, make_app(files, dev=True), "/")
    assert r.status_code == 200
    assert "<main>[page.py]</main><aside>[@team/page.py]</aside>" in r.text
    assert "<nav>analytics failed: db down</nav>" in r.text


async def test_in_production_error_files_get_a_generic_error(make_app, client_for, caplog):
    app = make_app({
        "page.py": "def page():\n    raise ValueError('password=hunter2')\n",
        "error.py": "def error(error):\n    return f'failed: {error} [{error.digest}]'\n",
    })
    with caplog.at_level("ERROR", logger="panes"):
        r = await get(client_for, app, "/")
    assert r.status_code == 200 and "hunter2" not in r.text
    digest = r.text.split("[")[1].split("]")[0]
    assert "failed: An error occurred while rendering this part of the page" in r.text
    assert f"digest {digest}" in caplog.text and "hunter2" in caplog.text


async def test_error_file_wraps_its_segment_not_its_own_layout(make_app, client_for):
    app = make_app({
        "page.py": "",
        "error.py": "def error(error):\n    return 'root boundary: ' + str(error)\n",
        "a/layout.py": "def layout(children):\n    raise RuntimeError('layout a')\n",
        "a/error.py": "def error(error):\n    return 'a boundary'\n",
        "a/page.py": "",
    }, dev=True)
    text = (await get(client_for, app, "/a")).text
    assert "root boundary: layout a" in text and "a boundary" not in text


async def test_uncaught_error_is_500_without_traceback(make_app, client_for):
    app = make_app({"page.py": "def page():\n    raise RuntimeError('secret detail')\n"})
    r = await get(client_for, app, "/")
    assert r.status_code == 500
    assert "secret detail" not in r.text and "Traceback" not in r.text


async def test_selected_layout_segments(make_app, client_for):
    show = """
        from markupsafe import Markup
        from panes import selected_layout_segment, selected_layout_segments

        def layout(children, stats):
            return Markup("children={} {} stats={} {}|").format(
                selected_layout_segment(), selected_layout_segments(),
                selected_layout_segment("stats"), selected_layout_segments("stats"),
            ) + children + stats
    """
    app = make_app({
        "layout.py": show, "page.py": "", "default.py": "",
        "(shop)/products/[id]/page.py": "",
        "@stats/page.py": "", "@stats/default.py": "",
        "@stats/(tabs)/views/page.py": "",
        "docs/[...slug]/page.py": "",
    })
    client = client_for(app)
    text = visible((await client.get("/")).text)
    assert "children=None [] stats=None []|" in text
    text = visible((await client.get("/products/7")).text)
    assert "children=(shop) [&#39;(shop)&#39;, &#39;products&#39;, &#39;7&#39;] stats=None []|" in text
    text = visible((await client.get("/views")).text)
    assert "children=None [] stats=views [&#39;(tabs)&#39;, &#39;views&#39;]|" in text
    text = visible((await client.get("/docs/a/b")).text)
    assert "children=docs [&#39;docs&#39;, &#39;a/b&#39;]" in text


async def test_selected_layout_segment_outside_a_layout_is_an_error(make_app, client_for):
    app = make_app({"page.py": "from panes import selected_layout_segment\n\ndef page():\n    return selected_layout_segment()\n",
                    "error.py": "def error(error):\n    return type(error).__name__ + ': ' + str(error)\n"},
                   dev=True)
    text = (await get(client_for, app, "/")).text
    assert "RuntimeError: selected_layout_segments() is callable only while a layout renders" in text


async def test_shared_helpers_import_as_modules(tmp_path, client_for):
    from conftest import write_app

    from panes import App

    write_app(tmp_path / "helpers_app", {
        "_ui/card.py": "def card(text):\n    return 'card:' + text\n",
        "page.py": "from helpers_app._ui.card import card\n\ndef page():\n    return card('hi')\n",
    })
    app = App(tmp_path / "helpers_app")
    assert "card:hi" in (await client_for(app).get("/")).text


async def test_mounts_inside_starlette(make_app, client_for):
    from starlette.applications import Starlette
    from starlette.routing import Mount

    app = make_app(["page.py", "[id]/page.py"])
    outer = Starlette(routes=[Mount("/ui", app=app)])
    client = client_for(outer)
    assert "[page.py]" in visible((await client.get("/ui/")).text)
    assert "[[id]/page.py]" in visible((await client.get("/ui/42")).text)


async def test_a_page_returning_a_dict_names_its_file_and_the_fix(make_app, client_for):
    app = make_app({
        "page.py": "def page():\n    return {'subject': 'hi'}\n",
        "error.py": "def error(error):\n    return str(error)\n",
        "json/page.py": "from starlette.responses import JSONResponse\n\ndef page():\n    return JSONResponse({})\n",
    }, dev=True)
    client = client_for(app)
    shown = visible((await client.get("/")).text)
    assert "page.py: page() returned a dict" in shown and "subject" not in shown.split("dict")[0]
    assert "route.py" in visible((await client.get("/json")).text)
