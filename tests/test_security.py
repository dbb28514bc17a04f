"""What a hostile client cannot do: one test (or a few) per hole the security review found.

Each request is one a browser could be made to send, or a script could: a redirect target from
the query, a navigation state replayed without its cookie, a header repeated, a request given
up before the first byte, a malformed form, a long query, a redirect to another site, a state
from another app.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time

import httpx
import pytest
from conftest import LiveServer, start, write_app
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route

from panes import App, Redirect, redirect
from panes.core import protocol

SECRET = b"security tests"
PWNED = "javascript:void(document.title='PWNED')"

FILES = {
    "layout.py": "from markupsafe import Markup\n\ndef layout(children):\n    return Markup('<html><head><title>safe</title></head><body><a id=\"out\" href=\"/out\">out</a> <a id=\"ext\" href=\"/ext\">ext</a> <a id=\"go\" href=\"/soft?to=javascript:void(document.title=%27PWNED%27)\">go</a>') + children + Markup('</body></html>')\n",
    "page.py": "def page():\n    return 'home'\n",
    # a redirect target taken from the request, inside and outside a loading boundary
    "go/loading.py": "def loading():\n    return 'loading'\n",
    "go/page.py": "import asyncio\nfrom panes import redirect\n\nasync def page(search_params):\n    await asyncio.sleep(0.05)\n    redirect(search_params['to'])\n",
    "soft/page.py": "from panes import redirect\n\ndef page(search_params):\n    redirect(search_params['to'])\n",
    "form/page.py": "from markupsafe import Markup\n\ndef page():\n    return Markup('<form method=post><input name=to id=to><button id=send>send</button></form>')\n\ndef action(form):\n    from panes import redirect\n    redirect(form['to'])\n",
    # a page behind a layout that places @admin only for an admin
    "area/layout.py": "def layout(children, admin, user, request):\n    return admin if request.cookies.get('role') == 'admin' else user\n",
    "area/page.py": "def page():\n    return 'area'\n",
    "area/@admin/page.py": "def page(search_params):\n    return 'ADMIN CONSOLE ' + search_params.get('tab', '')\n",
    "area/@admin/default.py": "def default():\n    return 'admin default'\n",
    "area/@user/page.py": "def page(search_params):\n    return 'user view'\n",
    "area/@user/default.py": "def default():\n    return 'user default'\n",
    # work that a client may abandon
    "slow/page.py": "import asyncio\nfrom calls import FINISHED\n\nasync def page():\n    await asyncio.sleep(0.6)\n    FINISHED.append('slow')\n    return 'slow'\n",
    "count/page.py": "from calls import FINISHED\n\ndef page():\n    return f'finished={len(FINISHED)}'\n",
    "post/page.py": "from calls import FINISHED\n\ndef page():\n    return 'post'\n\nasync def action(form):\n    import asyncio\n    await asyncio.sleep(0.6)\n    FINISHED.append('action')\n",
    "out/page.py": "import os\nfrom panes import redirect\n\ndef page():\n    redirect(os.environ['PANES_TEST_ELSEWHERE'] + '/landing')\n",
    "long/page.py": "def page(search_params):\n    return 'long ' + str(len(search_params.get('q', '')))\n",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("security")
    (base / "lib").mkdir()
    (base / "lib" / "calls.py").write_text("FINISHED = []\n")
    import sys
    sys.path.insert(0, str(base / "lib"))
    sys.modules.pop("calls", None)
    return App(write_app(base / "app", FILES), secret=SECRET)


def finished() -> list[str]:
    import calls
    return calls.FINISHED


def state_of(html: str) -> str:
    return re.search(r'id="panes-state">([^<]*)</script>', html).group(1)


def records(response: httpx.Response) -> list[dict]:
    return protocol.parse(response.text)


# -- 1. redirect() only to this site's paths or http(s) --------------------------------------


def test_redirect_to_javascript_is_an_error_naming_the_call():
    with pytest.raises(ValueError, match=r"redirect\('javascript:.*test_security\.py:\d+"):
        redirect("javascript:alert(1)")
    for target in ("data:text/html,<script>x</script>", " javascript:x", "jav\tascript:x"):
        with pytest.raises(ValueError):
            redirect(target)


@pytest.mark.anyio
async def test_no_redirect_answer_carries_a_javascript_url(app, client_for):
    client = client_for(app)
    streamed = await client.get("/go", params={"to": PWNED})
    assert "location.replace" not in streamed.text and 'http-equiv="refresh"' not in streamed.text
    state = state_of((await client.get("/")).text)
    soft = await client.get("/soft", params={"to": PWNED}, headers={"Panes-State": state})
    assert all(r["t"] != "redirect" for r in records(soft))


@pytest.fixture(scope="module")
def elsewhere():
    """Another site on another port, that lets any header through CORS and logs what it got."""
    seen: list[dict[str, str]] = []

    async def landing(request):
        seen.append(dict(request.headers))
        return PlainTextResponse("elsewhere", headers={"access-control-allow-origin": "*",
                                                       "access-control-allow-headers": "*"})

    site = Starlette(routes=[Route("/landing", landing, methods=["GET", "OPTIONS"])])
    with LiveServer(site) as live:
        live.seen = seen
        yield live


@pytest.fixture(scope="module")
def server(app, elsewhere, monkeypatch_module):
    monkeypatch_module.setenv("PANES_TEST_ELSEWHERE", elsewhere.url)
    app._stack = _OuterRedirect(app._stack, elsewhere.url)
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


class _OuterRedirect:
    """A redirect made outside panes (like a proxy or an outer middleware would): /ext goes to
    the other site with a plain 307."""

    def __init__(self, app, to: str) -> None:
        self.app, self.to = app, to

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/ext":
            await RedirectResponse(self.to + "/landing", 307)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def test_no_javascript_url_runs_in_the_browser(page, server):
    page.goto(server.url + "/go?to=" + PWNED)  # the redirect comes in the stream
    page.wait_for_timeout(400)
    assert page.title() == "safe"
    start(page, server)
    page.click("#go")  # a soft navigation whose page redirects: the error, as a full load
    page.wait_for_load_state()
    page.wait_for_timeout(300)
    assert "PWNED" not in page.title()
    start(page, server)
    page.evaluate("window.panes.push(\"javascript:void(document.title='PWNED')\").catch(() => 0)")
    page.wait_for_timeout(200)
    assert page.title() == "safe"
    start(page, server, "/form")
    page.fill("#to", PWNED)
    page.click("#send")  # an action's redirect
    page.wait_for_timeout(400)
    assert "PWNED" not in page.title()


# -- 9. nothing of the state goes to another site ---------------------------------------------


@pytest.mark.parametrize("link", ["#out", "#ext"])  # panes's redirect(); a redirect outside it
def test_a_redirect_to_another_site_is_a_plain_page_load(page, server, elsewhere, link):
    elsewhere.seen.clear()
    start(page, server)
    page.click(link)
    page.wait_for_url(elsewhere.url + "/landing")
    assert elsewhere.seen, "the other site was visited"
    assert not any(k.startswith("panes-") for headers in elsewhere.seen for k in headers)


# -- 2. a state is bound to the credentials of the request it was made for --------------------


@pytest.mark.anyio
async def test_an_admin_state_replayed_without_the_cookie_shows_no_admin_region(app, client_for):
    client = client_for(app)
    admin = {"cookie": "role=admin"}
    state = state_of((await client.get("/area", headers=admin)).text)
    # the admin, with the admin's cookie: a soft navigation inside @admin
    answer = await client.get("/area?tab=1", headers={**admin, "Panes-State": state})
    assert "ADMIN CONSOLE 1" in answer.text
    # the same state without the cookie (another user, or after logout): a full page load
    answer = await client.get("/area?tab=1", headers={"Panes-State": state})
    assert records(answer) == [{"t": "hard", "html": []}] and "ADMIN" not in answer.text
    answer = await client.get("/area", headers={"Panes-State": state, "Panes-Target": state,
                                                "Panes-Regions": "children/admin"})
    assert records(answer) == [{"t": "hard", "html": []}] and "ADMIN" not in answer.text
    # another user's cookie
    answer = await client.get("/area?tab=1", headers={"cookie": "role=user",
                                                      "Panes-State": state})
    assert "ADMIN" not in answer.text


# -- 3. work is bounded by the app's own regions ---------------------------------------------


@pytest.mark.anyio
async def test_a_region_named_a_hundred_thousand_times_is_rendered_once(app, client_for):
    client = client_for(app)
    state = state_of((await client.get("/area")).text)
    began = time.perf_counter()
    answer = await client.get("/area", headers={
        "Panes-State": state, "Panes-Target": state, "Panes-Regions": ",".join(["children"] * 100_000)})
    assert time.perf_counter() - began < 2
    (patch,) = records(answer)
    assert patch["swap"] == ["children"] and len(answer.content) < 10_000


# -- 5. a client that leaves cancels the work, before the first byte too ---------------------


def _abandon(port: int, request: bytes, count: int) -> None:
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        sockets.append(s)
    time.sleep(0.15)
    for s in sockets:
        s.close()


def test_abandoned_requests_stop_before_the_first_byte(server):
    finished().clear()
    state = state_of(httpx.get(server.url + "/").text)
    port = server.port
    _abandon(port, b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", 20)  # hard loads
    _abandon(port, b"GET /slow HTTP/1.1\r\nHost: x\r\nPanes-State: " + state.encode()
             + b"\r\n\r\n", 20)  # soft navigations
    body = b"x=1"
    _abandon(port, b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
             b"urlencoded\r\nContent-Length: 3\r\n\r\n" + body, 20)  # actions
    time.sleep(1.0)
    assert finished() == []
    assert httpx.get(server.url + "/count").text.count("finished=0") == 1
    # a client that stays gets its page
    assert "slow" in httpx.get(server.url + "/slow").text and finished() == ["slow"]


# -- 6, 7. malformed headers and bodies are the client's: 4xx, nothing runs -------------------


@pytest.mark.anyio
async def test_a_state_that_is_not_ascii_is_a_400(app, client_for):
    client = client_for(app)
    for value in (b"\xff" * 30 + b"." + b"x" * 10, b'{"sig":"\xff\xff"}', b"\xff"):
        answer = await client.get("/", headers=[(b"panes-state", value)])
        assert answer.status_code == 400


@pytest.mark.anyio
@pytest.mark.parametrize(("content_type", "body", "status"), [
    ("multipart/form-data", b"--x\r\nnonsense", 400),  # no boundary
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--", 400),
    ("application/x-www-form-urlencoded", b"&".join(b"f%d=1" % i for i in range(5000)), 400),
    ("application/x-www-form-urlencoded", b"f=" + b"x" * (1024 * 1024 + 10), 413),
])
async def test_bad_form_bodies_are_refused_and_no_action_runs(app, client_for, content_type,
                                                              body, status):
    finished().clear()
    answer = await client_for(app).post("/post", content=body,
                                        headers={"content-type": content_type})
    assert answer.status_code == status, answer.text[:300]
    assert finished() == [] and "Traceback" not in answer.text


@pytest.mark.anyio
async def test_a_field_over_a_megabyte_is_a_400_even_when_bodies_may_be_larger(tmp_path,
                                                                               client_for):
    big = App(write_app(tmp_path / "app", {"page.py": FILES["post/page.py"].replace(
        "from calls import FINISHED", "FINISHED = []")}), secret=SECRET,
        max_body_size=8 * 1024 * 1024)
    answer = await client_for(big).post("/", content=b"f=" + b"x" * (1024 * 1024 + 10),
                                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400


# -- 8. a long query does not break navigation -----------------------------------------------


@pytest.mark.anyio
async def test_a_long_query_keeps_soft_navigation_working(app, client_for):
    client = client_for(app)
    query = "q=" + "x" * 4096
    state = state_of((await client.get("/long?" + query)).text)
    assert len(state) < 2 * 4096 + 1500  # the document's URL and its entry in the URL table
    answer = await client.get("/long?" + query + "&more=1", headers={"Panes-State": state})
    (patch,) = records(answer)
    assert patch["t"] == "patch" and "long 4096" in patch["html"][0]


# -- 10. a state of one app is not accepted by another --------------------------------------


@pytest.mark.anyio
async def test_two_apps_with_one_secret_refuse_each_others_states(tmp_path, client_for):
    one = App(write_app(tmp_path / "one", {"page.py": "def page():\n    return 'one'\n"}),
              secret=SECRET)
    two = App(write_app(tmp_path / "two", {"page.py": "def page():\n    return 'two'\n",
                                           "x/page.py": "def page():\n    return 'x'\n"}),
              secret=SECRET)
    state = state_of((await client_for(one).get("/")).text)
    # refused: a full page load of /x (as for a tab of another deploy), nothing made from it
    refused = await client_for(two).get("/x", headers={"Panes-State": state})
    assert refused.status_code == 200 and refused.text.strip() == '{"t":"hard"}'


def test_an_app_without_a_secret_says_so(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("PANES_SECRET", raising=False)
    with caplog.at_level(logging.WARNING, logger="panes"):
        App(write_app(tmp_path / "app", {"page.py": "def page():\n    return 'x'\n"}))
    assert "PANES_SECRET" in caplog.text


def test_the_state_in_the_page_is_safe_json_in_a_script(app):
    wire = protocol.encode(protocol.verify(protocol.encode(
        __import__("panes.core.state", fromlist=["State"]).State(
            "/</script><script>alert(1)</script>", {}), SECRET, "b"), SECRET, "b").state, SECRET, "b")
    assert "</script" not in wire and json.loads(wire)["url"].startswith("/</script>")



# -- issue 21.8: client input is a 4xx (or handled), never a 500 ------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(("header", "status", "content_range"), [
    ("bytes=1-" + "9" * 5000, 206, "bytes 1-99/100"),  # past the end: to the end
    ("bytes=" + "9" * 5000 + "-", 416, "bytes */100"),  # starts past the end
    ("bytes=-" + "9" * 5000, 206, "bytes 0-99/100"),  # a suffix longer than the file
    ("bytes=1-\xb2", 200, None),  # a digit to str.isdigit(), not to int(): ignored
])
async def test_a_range_of_huge_numbers_is_answered_not_a_500(tmp_path, client_for, header,
                                                            status, content_range):
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "file.bin").write_bytes(bytes(range(100)))
    app = App(write_app(tmp_path / "app", {"page.py": "def page():\n    return 'x'\n"}))
    answer = await client_for(app).get("/file.bin", headers={"range": header.encode("latin-1")})
    assert answer.status_code == status
    assert answer.headers.get("content-range") == content_range


@pytest.mark.anyio
async def test_a_cookie_value_outside_latin_1_is_refused_at_set(tmp_path, client_for):
    """The action sees the CookieError where it calls ``set()`` and answers the user; before,
    the action ran and then the response failed (500)."""
    app = App(write_app(tmp_path / "app", {"page.py": """
from panes import CookieError

def page(action_result=None):
    return f'saved: {action_result}'

def action(form, cookies):
    try:
        cookies.set('name', form['name'])
    except CookieError as exc:
        return f'refused: {exc}'
    return 'ok'
"""}), secret=SECRET)
    client = client_for(app)
    answer = await client.post("/", data={"name": "Zoë ✓"}, headers={"origin": "http://test"})
    assert answer.status_code == 200 and "refused" in answer.text and "Latin-1" in answer.text
    assert "set-cookie" not in answer.headers
    answer = await client.post("/", data={"name": "Zoë"}, headers={"origin": "http://test"})
    assert "saved: ok" in answer.text and answer.headers["set-cookie"].startswith("name=")


@pytest.mark.anyio
async def test_a_redirect_target_with_cr_lf_is_encoded(app, client_for):
    client = client_for(app)
    for target in ("/home\r\nSet-Cookie: session=evil", "/a\\b"):
        answer = await client.get("/soft", params={"to": target})
        assert answer.status_code == 307, answer.text
        assert "set-cookie" not in answer.headers
        location = answer.headers["location"]
        assert location.startswith("/") and not location.startswith("//")
        assert "\r" not in location and "\n" not in location and "\\" not in location
    answer = await client.post("/form", data={"to": "/x\r\ny"}, headers={"origin": "http://test"})
    assert answer.status_code == 303 and answer.headers["location"] == "/x%0D%0Ay"


# -- issue 21.9: documents are private unless cached --------------------------------------------


@pytest.mark.anyio
async def test_a_page_rendered_per_request_is_private_and_never_stored(app, client_for):
    """Without it, a shared proxy or CDN may keep one user's page and show it to the next."""
    client = client_for(app)
    home = await client.get("/", headers={"cookie": "session=alice"})
    streamed = await client.get("/go", params={"to": "/"})  # a loading.py: it streams
    soft = await client.get("/long", headers={"Panes-State": state_of(home.text)})
    for answer in (home, streamed, soft):
        assert answer.headers.get("cache-control") == "private, no-store", answer.request.url


@pytest.mark.anyio
async def test_a_page_whose_every_region_is_cached_may_be_shared(tmp_path, client_for):
    app = App(write_app(tmp_path / "app", {
        "layout.py": "from markupsafe import Markup\nrevalidate = 60\n\ndef layout(children):\n"
                     "    return Markup('<html><body>') + children + Markup('</body></html>')\n",
        "page.py": "revalidate = 60\n\ndef page():\n    return 'the same for everyone'\n",
        "login/page.py": "def page():\n    return 'form'\n\ndef action(cookies):\n"
                         "    cookies.set('session', 'alice')\n",
        "api/route.py": "def post(cookies):\n    cookies.set('session', 'alice')\n",
        "echo/page.py": "def page(action_result=None):\n    return str(action_result)\n\n"
                        "def action(form):\n    return form['said']\n",
    }), secret=SECRET)
    client = client_for(app)
    first = await client.get("/")  # rendered: its regions were not cached yet
    assert first.headers["cache-control"] == "private, no-store"
    for _ in range(2):  # rendered from the cache, then answered from the remembered bytes
        assert "cache-control" not in (await client.get("/")).headers
    # a response that sets a cookie is never kept by a shared cache
    login = await client.post("/login", headers={"origin": "http://test"})
    assert login.status_code == 303 and login.headers["cache-control"] == "private, no-store"
    echo = await client.post("/echo", data={"said": "mine"}, headers={"origin": "http://test"})
    assert "mine" in echo.text and echo.headers["cache-control"] == "private, no-store"
    api = await client.post("/api")
    assert api.status_code == 204 and api.headers["cache-control"] == "private, no-store"


def test_scheme_relative_redirects_are_refused_one_way():
    """``//evil.example`` and ``/\\evil.example`` both name another site while looking like a
    path: both are refused, with the fix (write the full URL when another site is meant)."""
    for target in ("//evil.example", "/\\evil.example", "\\\\evil.example", " //evil.example",
                   "/\t/evil.example"):
        with pytest.raises(ValueError, match="names another site"):
            redirect(target)
    for target in ("/login", "/a//b", "https://elsewhere.example/", "?page=2", "next"):
        with pytest.raises(Redirect):
            redirect(target)
