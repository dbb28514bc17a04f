"""The path inside the app (``pathname``) and the URL to write for it (``panes.href``): the same
checks hold whether the app is served at ``/``, mounted in Starlette or behind ``--root-path``."""

from __future__ import annotations

import httpx
import pytest
from conftest import write_app
from starlette.applications import Starlette
from starlette.routing import Mount

import panes
from panes import App, href
from panes.tools.serve import RootPath

pytestmark = pytest.mark.anyio

#: The middleware check the docs show: it compares ``pathname`` and writes links with ``href``.
MIDDLEWARE = '''
from starlette.responses import RedirectResponse
from panes import href

async def middleware(request, call_next, cookies, pathname):
    if not pathname.startswith("/login") and not cookies.get("session"):
        return RedirectResponse(href("/login"), 307)
    response = await call_next(request)
    response.headers["x-pathname"] = pathname
    return response
'''

FILES = {
    "middleware.py": MIDDLEWARE,
    "layout.py": '''
from markupsafe import Markup
from panes import href
def layout(children, pathname):
    return Markup('<html><body><nav data-layout="{}"><a id="home" href="{}">home</a></nav>'
                  ).format(pathname, href("/")) + children + Markup('</body></html>')
''',
    "page.py": "def page(pathname):\n    return 'root page at ' + pathname\n",
    "login/page.py": '''
from panes import href
def page(pathname):
    return f"login page at {pathname}, next {href('/private?x=1')}"
''',
    "private/page.py": "def page(pathname):\n    return 'private page at ' + pathname\n",
    "private/[id]/page.py": '''
def page(params, pathname):
    return f"private {params['id']} at {pathname}"
def metadata(pathname):
    return {"title": "title of " + pathname}
''',
    "api/where/route.py": "def get(pathname):\n    return {'pathname': pathname}\n",
}


@pytest.fixture
def app(tmp_path):
    return App(write_app(tmp_path / "app", FILES), secret=b"pathname")


def client(asgi, base="", cookies=None):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi),
                             base_url="http://test" + base, cookies=cookies)


SERVED = [  # (how the app is served, the prefix its requests arrive with, the browser's prefix)
    (lambda app: app, "", ""),
    # panes start --root-path /app: the proxy in front strips /app
    (lambda app: RootPath(app, "/app"), "", "/app"),
    (lambda app: Starlette(routes=[Mount("/tracker", app)]), "/tracker", "/tracker"),
    (lambda app: Starlette(routes=[panes.Mount("/tracker", app)]), "/tracker", "/tracker"),
]


@pytest.mark.parametrize(("serve", "asked", "prefix"), SERVED)
async def test_the_middleware_check_holds_under_a_mount_and_a_root_path(app, serve, asked,
                                                                         prefix):
    async with client(serve(app), base=asked) as c:
        # without a session, a private page sends the browser to the login page, by its URL
        private = await c.get("/private")
        assert private.status_code == 307 and private.headers["location"] == prefix + "/login"
        # the login page itself is open: no redirect to itself
        login = await c.get("/login")
        assert login.status_code == 200 and login.headers["x-pathname"] == "/login"
        assert f"login page at /login, next {prefix}/private?x=1" in login.text
    async with client(serve(app), base=asked, cookies={"session": "1"}) as c:
        page = await c.get("/private/7")
        assert "private 7 at /private/7" in page.text
        assert 'data-layout="/private/7"' in page.text
        assert "<title>title of /private/7</title>" in page.text
        assert (await c.get("/api/where")).json() == {"pathname": "/api/where"}
        home = await c.get("/")
        assert "root page at /" in home.text and f'href="{prefix}/"' in home.text


async def test_a_panes_mount_answers_its_bare_prefix_with_the_root_page(app):
    """Next.js's basePath: ``/tracker`` is the root page (Starlette's Mount answers a 307)."""
    async with client(Starlette(routes=[panes.Mount("/tracker", app)]),
                      cookies={"session": "1"}) as c:
        bare = await c.get("/tracker")
        assert bare.status_code == 200 and "root page at /" in bare.text
        assert 'src="/tracker/_panes/panes.' in bare.text  # its own URLs carry the mount
        assert (await c.get("/tracker/private")).status_code == 200
        assert (await c.get("/trackers")).status_code == 404
    async with client(Starlette(routes=[Mount("/tracker", app)]),
                      cookies={"session": "1"}) as c:
        assert (await c.get("/tracker")).status_code == 307  # Starlette's own Mount


async def test_rewritten_requests_see_the_path_they_render(tmp_path):
    files = {**FILES, "middleware.py": '''
from panes import rewrite
async def middleware(request, call_next, pathname):
    if pathname == "/":
        return await call_next(rewrite(request, "/private/home"))
    return await call_next(request)
'''}
    app = App(write_app(tmp_path / "app", files), secret=b"pathname")
    async with client(RootPath(app, "/app")) as c:
        assert "private home at /private/home" in (await c.get("/")).text


def test_href_outside_a_request_says_when_it_works():
    with pytest.raises(RuntimeError, match="while a request is served"):
        href("/login")


def test_unknown_argument_lists_pathname(tmp_path):
    from panes.appdir.check import analyze

    problems = analyze(write_app(tmp_path / "app", {"page.py": "def page(path):\n    return ''\n"}))
    assert any("pathname" in p.fix for p in problems.errors)


async def test_a_cached_layout_that_reads_pathname_is_cached_per_path(tmp_path):
    """``revalidate`` in a layout that declares ``pathname``: the path is part of its key (a
    layout's params do not give it), so /a never shows the path of /b."""
    app = App(write_app(tmp_path / "app", {
        "layout.py": '''
from markupsafe import Markup
revalidate = 60
def layout(children, pathname):
    return Markup('<html><body><nav>at {}</nav>').format(pathname) + children + \\
        Markup('</body></html>')
''',
        "a/page.py": "def page():\n    return 'page a'\n",
        "b/page.py": "def page():\n    return 'page b'\n",
    }), secret=b"pathname")
    async with client(app) as c:
        assert "at /a" in (await c.get("/a")).text
        assert "at /b" in (await c.get("/b")).text
        assert "at /a" in (await c.get("/a")).text
