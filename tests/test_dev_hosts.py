"""``panes dev`` answers only the hosts it is meant for: after DNS rebinding another site's pages
would otherwise read the error overlay (source lines), the event stream's list of app files,
and post actions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from conftest import write_app
from processes import Server

from panes.http.dev import AllowedHosts

BOOM = """DB_PASSWORD = "hunter2"

def page():
    return 1 / 0
"""
ACTION = """def action(form):
    return "posted " + form.get("x", "")

def page(action_result=None):
    return f"form page {action_result}"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_app(tmp_path / "app", {"page.py": "def page():\n    return 'inbox v1'\n",
                                 "boom/page.py": BOOM, "form/page.py": ACTION})
    return tmp_path


def get(url: str, host: str, path: str = "/", **kwargs: object) -> httpx.Response:
    return httpx.get(url + path, headers={"host": host}, timeout=10, **kwargs)  # type: ignore[arg-type]


def test_dev_refuses_another_host_on_every_path(project):
    with Server("dev", "app", "--allowed-host", "laptop.test", cwd=project).ready() as server:
        url = server.url
        for path in ("/", "/boom", "/form", "/_panes/dev/events", "/nope"):
            refused = get(url, "evil.example", path)
            assert refused.status_code == 400, path
            assert "hunter2" not in refused.text and "app/" not in refused.text
            assert "--allowed-host evil.example" in refused.text  # says how to allow it
        post = httpx.post(url + "/form", data={"x": "1"}, timeout=10,
                          headers={"host": "evil.example:80", "origin": "http://evil.example"})
        assert post.status_code == 400 and "posted" not in post.text
        # the local names, any address, the host it was started on, and the added ones
        for host in ("localhost", f"localhost:{server.port}", "127.0.0.1", "[::1]:8000",
                     "app.localhost", "192.168.1.20:8000", "laptop.test", "LAPTOP.test."):
            assert "inbox v1" in get(url, host).text, host
        overlay = get(url, "localhost", "/boom")
        assert overlay.status_code == 500 and "ZeroDivisionError" in overlay.text


def test_panes_start_does_not_check_hosts(project):
    """Production runs behind a proxy that chooses the hosts; only dev is checked."""
    with Server("start", "app", cwd=project).ready() as server:
        assert "inbox v1" in get(server.url, "www.example.com").text


@pytest.mark.parametrize(("extra", "host", "allowed"), [
    ((), "localhost", True),
    ((), "LocalHost:8000", True),
    ((), "localhost.:8000", True),  # a trailing dot is the same name
    ((), "a.b.localhost", True),  # *.localhost always resolves to this machine
    ((), "127.0.0.1:8000", True),
    ((), "[::1]:8000", True),
    ((), "10.0.0.7", True),  # an address cannot be rebound to another site
    ((), "[2001:db8::1]", True),
    ((), "evil.example", False),
    ((), "localhost.evil.example", False),
    ((), "evillocalhost", False),
    ((), "127.0.0.1.evil.example", False),
    ((), "", False),
    (("0.0.0.0",), "evil.example", False),  # started on every interface: still names only
    (("laptop.test",), "laptop.test:8000", True),
    (("laptop.test",), "x.laptop.test", False),
    ((".example.org",), "example.org", True),  # a leading dot: the domain and below
    ((".example.org",), "dev.example.org", True),
    ((".example.org",), "badexample.org", False),
    (("*",), "anything.example", True),
])
def test_allowed_hosts(extra, host, allowed):
    assert AllowedHosts(extra).allows(host.encode()) is allowed


def test_a_request_without_host_is_not_a_browsers():
    assert AllowedHosts(()).allows(None)
