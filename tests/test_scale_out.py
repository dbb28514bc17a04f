"""Several machines played on one: three ``panes start`` servers (separate processes and ports)
behind HAProxy (Debian's), sharing one Redis and one ``PANES_SECRET``, no sticky sessions.

This is the deployment recipe of docs/serving.md, run: the browser goes through the balancer,
whose every request may land on another server; an action on one server invalidates the region
on all; Redis may restart and a server may die under load, and no request fails. HAProxy adds
``X-Served-By`` (the server's name) to each answer, so a test can tell who answered. Figures
measured are printed (``-s``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from conftest import Production, free_port, same_document, write_app
from test_cache_region import RedisServer

pytestmark = pytest.mark.skipif(
    shutil.which("haproxy") is None or shutil.which("redis-server") is None,
    reason="haproxy and redis-server are not installed (make test installs Debian's)")

LAYOUT = '''
from markupsafe import Markup

revalidate = float("inf")

def layout(children, modal):
    return (Markup('<!DOCTYPE html><html><head><title>scale</title></head><body><nav>'
                   '<a href="/">home</a> <a href="/about">about</a> '
                   '<a href="/photos/1">photo 1</a></nav><main>')
            + children + Markup('</main><aside id="modal">') + modal
            + Markup('</aside></body></html>'))
'''

HOME = '''
from pathlib import Path
from markupsafe import Markup, escape
import panes

revalidate = float("inf")
TAGS = ["messages"]
DB = Path(__file__).resolve().parent.parent / "messages.txt"

def page():
    items = "".join(f"<li>{escape(m)}</li>" for m in DB.read_text().splitlines())
    return Markup(f'<h1>home</h1><ul id="messages">{items}</ul>'
                  '<form method="post"><input name="text"><button>add</button></form>')

async def action(form):
    with DB.open("a") as f:
        f.write(form["text"] + "\\n")
    panes.revalidate_tag("messages")
'''

ABOUT = '''
import time
from markupsafe import Markup

revalidate = float("inf")

def page():
    return Markup(f'<h1>about</h1><p id="stamp">rendered {time.time_ns()}</p>')
'''

PHOTO = '''
from markupsafe import Markup

revalidate = float("inf")

def page(params):
    return Markup(f'<h1>photo {params["id"]}, the full page</h1>')
'''

MODAL = '''
from markupsafe import Markup

def page(params):
    return Markup(f'<div role="dialog">photo {params["id"]} in a modal</div>')
'''

APP = {
    "layout.py": LAYOUT,
    "page.py": HOME,
    "about/page.py": ABOUT,
    "photos/[id]/page.py": PHOTO,
    "@modal/default.py": "STICKY = False\n\ndef default():\n    return None\n",
    "@modal/(.)photos/[id]/page.py": MODAL,
    "healthz/route.py": "def get():\n    return 'ok'\n",
}

HAPROXY = """
global
    maxconn 2000

defaults
    mode http
    option forwardfor
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # a GET that fails on one server (refused, cut, no answer) is sent to another
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend web
    bind 127.0.0.1:{port}
    default_backend panes

backend panes
    balance roundrobin
    # an action is never sent twice
    http-request disable-l7-retry if METH_POST
    option httpchk GET /healthz
    http-response set-header X-Served-By %s
{servers}
"""


@dataclass
class Cluster:
    url: str
    servers: list[Production]  # "machines": s1, s2, s3
    redis: RedisServer

    def name(self, server: Production) -> str:
        return f"s{self.servers.index(server) + 1}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    project = tmp_path_factory.mktemp("scale")
    write_app(project / "app", APP)
    (project / "messages.txt").write_text("hello\n")
    redis = RedisServer()
    redis.start()
    env = {"PANES_CACHE_URL": redis.url, "PANES_CACHE_PREFIX": "scale:"}
    servers = [Production(project / "app", env=env) for _ in range(3)]  # one PANES_SECRET
    port = free_port()
    config = project / "haproxy.cfg"
    config.write_text(HAPROXY.replace("{port}", str(port)).replace("{servers}", "\n".join(
        f"    server s{i} 127.0.0.1:{s.port} check inter 200ms fall 1 rise 2"
        for i, s in enumerate(servers, 1))))
    haproxy = None
    try:
        with ThreadPoolExecutor(3) as pool:  # started at once, as machines would be
            list(pool.map(Production.__enter__, servers))
        haproxy = subprocess.Popen(["haproxy", "-f", str(config), "-db"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while len(served_by(url, 6)) < 3:  # every server passed its health check
            assert time.monotonic() < deadline, "HAProxy does not reach every server"
            time.sleep(0.1)
        yield Cluster(url, servers, redis)
    finally:
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait(10)
        for server in servers:
            server.stop()
        redis.stop()


def served_by(url: str, n: int, path: str = "/about") -> set[str]:
    names = set()
    with httpx.Client(timeout=5) as client:
        for _ in range(n):
            with contextlib.suppress(httpx.TransportError):
                names.add(client.get(url + path).headers.get("x-served-by", ""))
    return names - {""}


def messages(url: str) -> list[str]:
    return re.findall(r"<li>([^<]*)</li>", httpx.get(url + "/", timeout=5).text)


class Load:
    """GET requests from ``threads`` keep-alive clients through the balancer, until stopped."""

    def __init__(self, url: str, paths: tuple[str, ...] = ("/", "/about"), threads: int = 4):
        self.url, self.paths = url, paths
        self.statuses: Counter[object] = Counter()
        self.servers: Counter[str] = Counter()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            i = 0
            while not self._stop.is_set():
                path = self.paths[i % len(self.paths)]
                i += 1
                try:
                    response = client.get(self.url + path)
                    self.statuses[response.status_code] += 1
                    self.servers[response.headers.get("x-served-by", "?")] += 1
                except httpx.TransportError as exc:
                    self.statuses[type(exc).__name__] += 1

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(15)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def until(check: Callable[[], bool], within: float) -> None:
    start = time.perf_counter()
    while not check():
        assert time.perf_counter() - start < within
        time.sleep(0.01)


def test_an_action_on_one_server_invalidates_the_region_on_all(cluster: Cluster) -> None:
    one, *others = cluster.servers
    clients = {s.port: httpx.Client(base_url=s.url, timeout=5) for s in cluster.servers}

    def shown(server: Production) -> list[str]:
        return re.findall(r"<li>([^<]*)</li>", clients[server.port].get("/").text)

    for server in cluster.servers:  # every server has the home page cached
        assert shown(server) == shown(server)
    before = messages(cluster.url)
    posted = clients[one.port].post("/", data={"text": "from s1"})
    assert posted.status_code == 303
    start = time.perf_counter()
    for server in others:  # the very first request after the answer shows it
        assert shown(server) == [*before, "from s1"]
    elapsed = time.perf_counter() - start
    print(f"\nafter an action on s1, the first request to s2 and to s3 showed it "
          f"(both answered within {elapsed * 1000:.1f} ms of the action's answer)")
    for _ in range(3):  # through the balancer: on every server
        assert messages(cluster.url) == [*before, "from s1"]
    for client in clients.values():
        client.close()


def test_redis_restarted_under_load_fails_no_request(cluster: Cluster) -> None:
    with Load(cluster.url) as load:
        until(lambda: load.total >= 30, within=5)
        cluster.redis.proc.kill()  # type: ignore[union-attr]
        cluster.redis.proc.wait()  # type: ignore[union-attr]
        time.sleep(0.5)
        down = load.total
        cluster.redis.start()  # the same port, empty
        time.sleep(0.4)
    print(f"\nRedis killed and restarted under load: {load.total} requests "
          f"({down} before the restart), {dict(load.statuses)}")
    assert set(load.statuses) == {200}
    for server in cluster.servers:  # caching resumes by itself: the same render twice
        def cached(server: Production = server) -> bool:
            first = httpx.get(server.url + "/about").text
            return first == httpx.get(server.url + "/about").text
        until(cached, within=5)
        assert server.log.count("is unreachable") <= 1, server.log
    assert any("unreachable" in s.log for s in cluster.servers)


def test_a_server_killed_under_load_fails_no_request(cluster: Cluster) -> None:
    victim = cluster.servers[-1]
    name = cluster.name(victim)
    assert victim.process is not None
    with Load(cluster.url) as load:
        until(lambda: load.servers[name] >= 10, within=5)
        os.killpg(victim.process.pid, signal.SIGKILL)
        victim.process.wait()
        killed_at = load.total
        time.sleep(0.6)
    print(f"\n{name} killed under load: {load.total} GET requests ({killed_at} before), "
          f"{dict(load.statuses)}, served by {dict(load.servers)}")
    assert set(load.statuses) == {200}
    assert set(load.servers) == {"s1", "s2", "s3"}


def test_the_browser_goes_through_the_balancer_without_sticky_sessions(
        cluster: Cluster, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    names: list[str] = []
    page.on("response", lambda r: names.append(r.headers.get("x-served-by", "")))
    page.goto(cluster.url + "/")
    page.wait_for_function("window.panes !== undefined")
    page.evaluate("window.marker = 'same document'")
    page.click("text=about")
    expect(page.locator("h1")).to_have_text("about")
    page.click("text=photo 1")  # intercepted: a modal over the about page
    expect(page.locator("[role=dialog]")).to_have_text("photo 1 in a modal")
    expect(page.locator("h1")).to_have_text("about")
    page.go_back()
    expect(page.locator("[role=dialog]")).to_have_count(0)
    page.go_back()
    expect(page.locator("h1")).to_have_text("home")
    page.go_forward()
    expect(page.locator("h1")).to_have_text("about")
    page.click("text=home")
    page.fill("input[name=text]", "from the browser")
    page.click("text=add")
    expect(page.locator("#messages li").last).to_have_text("from the browser")
    page.click("text=about")
    expect(page.locator("h1")).to_have_text("about")
    page.go_back()  # home again, from whichever server: the action's message is there
    expect(page.locator("#messages li").last).to_have_text("from the browser")
    assert same_document(page)
    assert page.url == cluster.url + "/"
    assert len(set(names) - {""}) >= 2, names  # the requests went to several servers
    for server in cluster.servers:
        if server.process is not None and server.process.poll() is None:
            assert "from the browser" in messages(server.url)
