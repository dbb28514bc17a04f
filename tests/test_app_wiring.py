"""Route handlers, public files, cookies, middleware and lifespan wired into ``App``: each over
a real server, as a user's browser or API client meets it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, free_port, serving, write_app
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from panes import App
from panes.appdir.check import analyze
from panes.tools.table import explain_url, route_table

LAYOUT = """
from markupsafe import Markup

def layout(children):
    return Markup('<html><head><title>t</title></head><body>') + children + Markup('</body></html>')
"""

LIFESPAN = """
from contextlib import asynccontextmanager

EVENTS = []

@asynccontextmanager
async def lifespan(app):
    EVENTS.append("start")
    yield {"store": {"greeting": "hello from the store"}}
    EVENTS.append("stop")
"""

MIDDLEWARE = """
from starlette.responses import RedirectResponse
from panes import rewrite

async def middleware(request, call_next, cookies, state):
    path = request.url.path
    if path.startswith("/private") and not cookies.get("session"):
        return RedirectResponse("/login", 307)
    if path == "/home":
        return await call_next(rewrite(request, "/landing/"))
    if path.startswith("/boom"):
        raise RuntimeError("secret middleware detail")
    if path == "/mw-cookie":
        cookies.set("seen", "yes")
    response = await call_next(request)
    response.headers["x-middleware"] = state["store"]["greeting"]
    return response
"""

FILES = {
    "layout.py": LAYOUT,
    "lifespan.py": LIFESPAN,
    "middleware.py": MIDDLEWARE,
    "page.py": "def page(cookies, state):\n"
               "    return f\"home {cookies.get('theme')} {state['store']['greeting']}\"\n",
    "landing/page.py": "def page(request):\n    return 'landing page at ' + request.url.path\n",
    "private/page.py": "def page():\n    return 'private'\n",
    "mw-cookie/page.py": "def page(cookies):\n    return 'mw ' + str(cookies.get('seen'))\n",
    "login/page.py": """
from panes import redirect

def page(cookies):
    return 'login page, session=' + str(cookies.get('session'))

async def action(request, cookies, state):
    form = await request.form()
    cookies.set("session", form["user"], max_age=3600)
    redirect("/private")
""",
    "greedy/page.py": "def page(cookies):\n    cookies.set('nope', '1')\n    return 'x'\n",
    "docs/[...slug]/page.py": "def page(params):\n    return 'docs page ' + '/'.join(params['slug'])\n",
    "api/echo/route.py": """
from panes import redirect, not_found

async def get(search_params, cookies, state):
    return {"q": search_params.getlist("q"), "theme": cookies.get("theme"),
            "greeting": state["store"]["greeting"], "size": len(cookies.get("big") or "")}

async def post(request, cookies):
    data = await request.json()
    cookies.set("posted", "1")
    return {"got": data}
""",
    "api/items/[id]/route.py": """
from panes import not_found, redirect

def get(params):
    if params["id"] == "missing":
        not_found()
    if params["id"] == "old":
        redirect("/api/items/new")
    return f"item {params['id']}"

def delete(params):
    return None
""",
    "docs/api/[...path]/route.py": "def get(params):\n    return {'path': params['path']}\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    app_dir = write_app(root / "app", FILES)
    public = root / "public"
    (public / "images").mkdir(parents=True)
    (public / "site.css").write_text("body { color: red }\n")
    (public / "images" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "secret.txt").write_text("outside public")
    with serving(app_dir) as live:
        yield live


def get(site, path, **kwargs):
    return httpx.get(site.url + path, follow_redirects=False, **kwargs)


# -- route handlers ---------------------------------------------------------------------------


def test_route_handler_json_with_injection(site):
    r = get(site, "/api/echo?q=1&q=2", cookies={"theme": "dark"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == {"q": ["1", "2"], "theme": "dark", "greeting": "hello from the store",
                        "size": 0}


def test_route_handler_params_text_and_204(site):
    assert get(site, "/api/items/42").text == "item 42"
    assert httpx.delete(site.url + "/api/items/42").status_code == 204
    assert get(site, "/api/items/missing").status_code == 404
    r = get(site, "/api/items/old")
    assert r.status_code == 307 and r.headers["location"] == "/api/items/new"


def test_route_handler_405_head_and_options(site):
    r = httpx.put(site.url + "/api/items/1")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, DELETE, OPTIONS"
    head = httpx.head(site.url + "/api/items/1")
    assert head.status_code == 200 and head.text == "" and head.headers["content-length"] == "6"
    options = httpx.options(site.url + "/api/items/1")
    assert options.status_code == 204 and "DELETE" in options.headers["allow"]


def test_route_handler_catch_all_ranks_with_pages(site):
    """/docs/api/... is the handler's (more specific); /docs/other stays the page's."""
    assert get(site, "/docs/api/v1/users").json() == {"path": ["v1", "users"]}
    assert "docs page other/x" in get(site, "/docs/other/x").text


def test_malformed_json_body_is_400(site):
    r = httpx.post(site.url + "/api/echo", content=b"{not json",
                   headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.text
    ok = httpx.post(site.url + "/api/echo", json={"a": 1})
    assert ok.json() == {"got": {"a": 1}} and "posted=1" in ok.headers["set-cookie"]


def test_trailing_slash_on_a_handler_url(site):
    r = get(site, "/api/items/3/")
    assert r.status_code == 308 and r.headers["location"] == "/api/items/3"


# -- public files -----------------------------------------------------------------------------


def test_public_files_with_etag_304_and_range(site):
    r = get(site, "/site.css")
    assert r.status_code == 200 and r.text == "body { color: red }\n"
    assert r.headers["content-type"].startswith("text/css")
    assert "x-middleware" not in r.headers  # app/middleware.py does not run for public files
    again = get(site, "/site.css", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304
    part = get(site, "/site.css", headers={"range": "bytes=0-3"})
    assert part.status_code == 206 and part.text == "body"
    assert get(site, "/images/logo.svg").headers["content-type"] == "image/svg+xml"


@pytest.mark.parametrize("path", ["/%2e%2e/secret.txt", "/images/%2e%2e/%2e%2e/secret.txt",
                                  "/images%2F..%2F..%2Fsecret.txt", "/..%5Csecret.txt"])
def test_nothing_outside_public_is_served(site, path):
    r = get(site, path)
    assert "outside public" not in r.text and r.status_code in (400, 404)


# -- cookies ----------------------------------------------------------------------------------


def test_a_page_reads_cookies_and_state(site):
    r = get(site, "/", cookies={"theme": "dark"})
    assert "home dark hello from the store" in r.text


def test_an_action_sets_a_cookie_on_its_303(site):
    r = httpx.post(site.url + "/login", data={"user": "ada"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/private"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("session=ada;") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Max-Age=3600" in cookie and "Secure" not in cookie  # plain http


def test_a_page_setting_a_cookie_is_an_error_naming_the_file(tmp_path, caplog):
    app_dir = write_app(tmp_path / "app", {"page.py": FILES["greedy/page.py"]})
    with LiveServer(App(app_dir, dev=True)) as live:
        r = httpx.get(live.url + "/")
    assert r.status_code == 500
    assert "cookies.set() cannot be called in app/page.py" in r.text
    assert "action()" in r.text


def test_an_8kb_cookie_header(site):
    big = "x" * 8000
    r = get(site, "/api/echo", cookies={"big": big, "theme": "light"})
    assert r.status_code == 200 and r.json()["size"] == 8000 and r.json()["theme"] == "light"
    assert "home light" in get(site, "/", cookies={"big": big, "theme": "light"}).text


# -- middleware -------------------------------------------------------------------------------


def test_middleware_answers_itself(site):
    r = get(site, "/private")
    assert r.status_code == 307 and r.headers["location"] == "/login"
    ok = get(site, "/private", cookies={"session": "ada"})
    assert ok.status_code == 200 and "private" in ok.text
    assert ok.headers["x-middleware"] == "hello from the store"


def test_middleware_sets_a_cookie(site):
    r = get(site, "/mw-cookie")
    assert "seen=yes" in r.headers["set-cookie"] and "mw yes" in r.text


def test_rewrite_keeps_the_browser_url_and_no_308_for_the_rewritten_path(site):
    """/home renders /landing/ (a trailing slash: never redirected, it is not the browser's)."""
    r = get(site, "/home")
    assert r.status_code == 200 and "landing page at /landing/" in r.text
    state = json.loads(r.text.split('id="panes-state">', 1)[1].split("</script>", 1)[0])
    assert state["url"] == "/home"


def test_trailing_slash_redirect_uses_the_browser_url(site):
    r = get(site, "/home/?a=1")
    assert r.status_code == 308 and r.headers["location"] == "/home?a=1"


def test_a_middleware_that_raises_is_a_500_without_traceback(site):
    r = get(site, "/boom")
    assert r.status_code == 500
    assert "Internal Server Error" in r.text
    assert "secret middleware detail" not in r.text and "Traceback" not in r.text
    deadline = time.monotonic() + 3  # the server's log has it, with the traceback
    while "secret middleware detail" not in site.log and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "secret middleware detail" in site.log and "Traceback" in site.log


def test_a_redirect_answering_a_soft_navigation_becomes_a_record(site):
    """fetch would follow a 307 silently and leave the old URL in the address bar."""
    state = json.loads(get(site, "/").text.split('id="panes-state">', 1)[1]
                       .split("</script>", 1)[0])
    r = get(site, "/private", headers={"panes-state": json.dumps(state)})
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/x-panes-navigation")
    assert json.loads(r.text.splitlines()[0]) == {"t": "redirect", "url": "/login"}


def test_starlette_middleware_wraps_everything(tmp_path):
    app_dir = write_app(tmp_path / "app", {
        "page.py": "def page(request):\n    request.session['n'] = 1\n    return 'x' * 2000\n"})
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "big.txt").write_text("y" * 5000)
    app = App(app_dir, middleware=[Middleware(SessionMiddleware, secret_key="k"),
                                   Middleware(GZipMiddleware, minimum_size=500)])
    with LiveServer(app) as live:
        raw = httpx.get(live.url + "/", headers={"accept-encoding": "gzip"})
        assert raw.headers["content-encoding"] == "gzip" and "session=" in raw.headers["set-cookie"]
        assert "x" * 2000 in raw.text
        public = httpx.get(live.url + "/big.txt", headers={"accept-encoding": "gzip"})
        assert public.headers["content-encoding"] == "gzip" and public.text == "y" * 5000
        assert gzip.decompress(gzip.compress(b"ok")) == b"ok"


# -- lifespan ---------------------------------------------------------------------------------


def test_lifespan_runs_once_around_serving(tmp_path):
    app_dir = write_app(tmp_path / "app", {"lifespan.py": LIFESPAN,
                                            "page.py": "def page(state):\n"
                                                       "    return state['store']['greeting']\n"})
    app = App(app_dir)
    with LiveServer(app) as live:
        assert "hello from the store" in httpx.get(live.url + "/").text
        assert "hello from the store" in httpx.get(live.url + "/").text
    module = sys.modules[next(n for n in sys.modules if n.startswith("_panes_app_lifespan")
                              and getattr(sys.modules[n], "EVENTS", None) is not None
                              and str(app_dir) in str(sys.modules[n].__file__))]
    assert module.EVENTS == ["start", "stop"]


def test_a_lifespan_that_raises_stops_the_server(tmp_path):
    write_app(tmp_path / "app", {
        "page.py": "def page():\n    return 'x'\n",
        "lifespan.py": "from contextlib import asynccontextmanager\n\n"
                       "@asynccontextmanager\nasync def lifespan(app):\n"
                       "    raise RuntimeError('the database is down')\n    yield\n"})
    done = subprocess.run([sys.executable, "-m", "panes", "start", "app", "--port",
                           str(free_port())], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    output = done.stdout + done.stderr  # the server's log, wherever it writes it
    assert "app/lifespan.py: lifespan() raised while starting up" in output
    assert "RuntimeError: the database is down" in output


# -- panes check and panes routes -------------------------------------------------------------


def _errors(tmp_path: Path, files: dict[str, str]) -> list[str]:
    analysis = analyze(write_app(tmp_path / "app", files))
    return [f"{p.path}: {p.message} ({p.fix})" for p in analysis.errors]


def test_check_route_beside_a_page_and_inside_a_slot(tmp_path):
    errors = _errors(tmp_path, {
        "page.py": "def page():\n    return 'x'\n",
        "(a)/x/page.py": "def page():\n    return 'x'\n",
        "(b)/x/route.py": "def get():\n    return 'x'\n",
        "@side/y/route.py": "def get():\n    return 'x'\n",
        "@side/default.py": "def default():\n    return None\n",
        "layout.py": "def layout(children, side):\n    return children\n",
    })
    assert any("app/(b)/x/route.py: route.py and a page (app/(a)/x/page.py) serve the same URL /x"
               in e for e in errors)
    assert any("app/@side/y/route.py: route.py cannot be inside a slot (@side)" in e
               for e in errors)


def test_check_route_problems_from_the_file(tmp_path):
    errors = _errors(tmp_path, {"api/route.py": "def GET():\n    return 'x'\n",
                                "b/route.py": "def get(user):\n    return 'x'\n"})
    assert any("app/api/route.py: it defines GET()" in e and "def get(" in e for e in errors)
    assert any("get() declares an unknown argument 'user'" in e for e in errors)


def test_check_a_page_at_a_public_file_url(tmp_path):
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "about").write_text("static")
    errors = _errors(tmp_path, {"about/page.py": "def page():\n    return 'x'\n",
                                "[slug]/page.py": "def page():\n    return 'x'\n"})
    assert errors == ["app/about/page.py: public/about and this file serve the same URL /about: "
                      "the public file is always served first (rename or move one of them)"]


def test_check_middleware_and_lifespan_files(tmp_path):
    analysis = analyze(write_app(tmp_path / "app", {
        "page.py": "def page():\n    return 'x'\n",
        "middleware.py": "def middleware(request, call_next):\n    return call_next(request)\n",
        "lifespan.py": "async def lifespan(app):\n    return None\n",
        "x/middleware.py": "async def middleware(request, call_next):\n    pass\n",
    }))
    shown = [f"{p.severity} {p.path}: {p.message}" for p in analysis.problems]
    assert "error app/middleware.py: middleware() is not async" in shown
    assert any(s.startswith("error app/lifespan.py: lifespan() is not an async context manager")
               for s in shown)
    assert any(s.startswith("warning app/x/middleware.py: middleware.py works only at the root")
               for s in shown)


def test_routes_lists_route_handlers(site, tmp_path):
    analysis = analyze(write_app(tmp_path / "app", FILES))
    table = route_table(analysis)
    assert "Route handlers (route.py):" in table
    row = next(line.split() for line in table.splitlines() if "app/api/items/[id]/route.py" in line)
    assert row == ["/api/items/[id]", "GET,", "HEAD,", "DELETE,", "OPTIONS",
                   "app/api/items/[id]/route.py"]
    assert explain_url(analysis, "/docs/api/a/b") == (
        "/docs/api/a/b: route handler app/docs/api/[...path]/route.py (GET, HEAD, OPTIONS)"
        "  params={'path': ['a', 'b']}")
