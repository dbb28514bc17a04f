"""app/lifespan.py: the ASGI lifespan protocol around the user's context manager, and state."""

from __future__ import annotations

import asyncio
import threading
import time
import types
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from conftest import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount

from panes.appdir.specials import load_lifespan
from panes.http.lifespan import Lifespan, StartupWatch, State

pytestmark = pytest.mark.anyio


async def run_lifespan(factory, app, scope, receive, send) -> State:
    """``factory`` run through the lifespan protocol as a server runs it; the state it yielded."""
    lifespan = Lifespan(factory, app)
    await lifespan(scope, receive, send)
    return lifespan.state


class Protocol:
    """A server's side of the lifespan protocol, driven by hand."""

    def __init__(self, with_state: bool = True) -> None:
        self.scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        if with_state:
            self.scope["state"] = {}
        self.inbox = ["lifespan.startup", "lifespan.shutdown"]
        self.sent: list[dict] = []
        self.before_shutdown: list = []

    async def receive(self):
        kind = self.inbox.pop(0)
        if kind == "lifespan.shutdown":
            for check in self.before_shutdown:
                check()
        return {"type": kind}

    async def send(self, message):
        self.sent.append(message)

    @property
    def types(self):
        return [m["type"] for m in self.sent]


def make_lifespan(events, value=None, fail_at=None):
    @asynccontextmanager
    async def lifespan(app):
        events.append(("enter", app))
        if fail_at == "startup":
            raise RuntimeError("the database is down")
        yield value
        events.append("exit")
        if fail_at == "shutdown":
            raise RuntimeError("could not close")

    return lifespan


async def test_startup_state_and_shutdown():
    events: list = []
    server = Protocol()
    lifespan = Lifespan(make_lifespan(events, {"pool": "P"}), app="the app")
    server.before_shutdown.append(lambda: events.append(("serving", dict(lifespan.state))))
    await lifespan(server.scope, server.receive, server.send)
    assert server.types == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == [("enter", "the app"), ("serving", {"pool": "P"}), "exit"]
    assert server.scope["state"] == {"pool": "P"}  # Starlette's lifespan state
    assert lifespan.state["pool"] == "P"


async def test_yielding_nothing():
    events: list = []
    server = Protocol()
    state = await run_lifespan(make_lifespan(events), "app", server.scope, server.receive, server.send)
    assert server.types == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert dict(state) == {} and server.scope["state"] == {}


async def test_without_a_lifespan_file_the_protocol_is_answered():
    server = Protocol(with_state=False)
    await run_lifespan(None, None, server.scope, server.receive, server.send)
    assert server.types == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_a_server_without_lifespan_state():
    server = Protocol(with_state=False)
    lifespan = Lifespan(make_lifespan([], {"pool": "P"}))
    await lifespan(server.scope, server.receive, server.send)
    assert server.types[0] == "lifespan.startup.complete"
    assert lifespan.state_for({"type": "http"})["pool"] == "P"


async def test_startup_failure_is_reported():
    events: list = []
    server = Protocol()
    await run_lifespan(make_lifespan(events, fail_at="startup"), None, server.scope, server.receive, server.send)
    assert server.types == ["lifespan.startup.failed"]
    message = server.sent[0]["message"]
    assert "app/lifespan.py" in message and "RuntimeError: the database is down" in message


async def test_shutdown_failure_is_reported():
    server = Protocol()
    await run_lifespan(make_lifespan([], fail_at="shutdown"), None, server.scope, server.receive, server.send)
    assert server.types == ["lifespan.startup.complete", "lifespan.shutdown.failed"]
    assert "could not close" in server.sent[1]["message"]


async def test_yielding_something_else_fails_startup():
    server = Protocol()
    await run_lifespan(make_lifespan([], value=42), None, server.scope, server.receive, server.send)
    assert server.types == ["lifespan.startup.failed"]
    assert "yielded int" in server.sent[0]["message"]


async def test_a_forgotten_decorator_still_works():
    async def lifespan(app):
        yield {"a": 1}

    server = Protocol()
    state = await run_lifespan(lifespan, None, server.scope, server.receive, server.send)
    assert state["a"] == 1


def test_state_is_a_read_only_mapping():
    state = State({"pool": "P"})
    assert state["pool"] == "P" and dict(state) == {"pool": "P"} and len(state) == 1
    with pytest.raises(TypeError):
        state["pool"] = "other"  # type: ignore[index]
    with pytest.raises(KeyError, match="'db' is not in the lifespan state"):
        state["db"]
    assert state.get("db") is None and "pool" in state


def serve(app):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{port}"


def panes_like(lifespan: Lifespan):
    """The shape App takes: lifespan messages to Lifespan, requests get ``state``."""
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await lifespan(scope, receive, send)
            return
        state = lifespan.state_for(scope)
        await JSONResponse({k: str(v) for k, v in state.items()})(scope, receive, send)

    return app


def test_over_a_real_server():
    events: list = []
    lifespan = Lifespan(make_lifespan(events, {"pool": "P"}))
    server, thread, url = serve(panes_like(lifespan))
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert httpx.get(url).json() == {"pool": "P"}
    assert httpx.get(url).json() == {"pool": "P"}
    server.should_exit = True
    thread.join(5)
    assert events[-1] == "exit" and len([e for e in events if e == "exit"]) == 1


def test_a_failing_startup_stops_the_server(tmp_path):
    """uvicorn, as a user runs it, exits with its start-up failure code and the error."""
    import subprocess
    import sys

    (tmp_path / "server.py").write_text(
        "from contextlib import asynccontextmanager\n"
        "from panes.http.lifespan import Lifespan\n"
        "@asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    raise RuntimeError('the database is down')\n"
        "    yield\n"
        "app = Lifespan(lifespan)\n")
    done = subprocess.run([sys.executable, "-m", "uvicorn", "server:app", "--port", str(free_port())],
                          cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.returncode == 3
    assert "app/lifespan.py: lifespan() raised while starting up" in done.stderr
    assert "RuntimeError: the database is down" in done.stderr


def test_mounted_in_starlette_through_its_lifespan(live_server):
    """Starlette does not forward lifespan messages to a mount: its own lifespan= runs ours."""
    events: list = []
    lifespan = Lifespan(make_lifespan(events, {"pool": "P"}))

    async def inner(scope, receive, send):
        request = Request(scope, receive)
        state = lifespan.state_for(request.scope)
        await JSONResponse({"pool": state["pool"], "attr": request.state.pool})(scope, receive, send)

    outer = Starlette(routes=[Mount("/mail", inner)], lifespan=lifespan.context)
    with live_server(outer) as server:
        assert httpx.get(server.url + "/mail/").json() == {"pool": "P", "attr": "P"}
    assert events[0] == ("enter", outer) and events[-1] == "exit"


def test_load_lifespan():
    def mod(source):
        m = types.ModuleType("lifespan")
        exec("from contextlib import asynccontextmanager\n" + source, m.__dict__)
        return m

    func, problems = load_lifespan(mod("@asynccontextmanager\nasync def lifespan(app):\n    yield\n"), "app/lifespan.py")
    assert func is not None and not problems
    func, problems = load_lifespan(mod("async def lifespan(app):\n    yield {}\n"), "app/lifespan.py")
    assert func is not None and not problems  # the decorator is added
    _, problems = load_lifespan(mod("x = 1\n"), "app/lifespan.py")
    assert "no function named lifespan" in problems[0].message
    _, problems = load_lifespan(mod("async def lifespan(app):\n    return {}\n"), "app/lifespan.py")
    assert "not an async context manager" in problems[0].message
    _, problems = load_lifespan(mod("from contextlib import contextmanager\n@contextmanager\ndef lifespan(app):\n    yield\n"), "app/lifespan.py")
    assert "not an async context manager" in problems[0].message
    _, problems = load_lifespan(mod("@asynccontextmanager\nasync def lifespan():\n    yield\n"), "app/lifespan.py")
    assert "takes 0 arguments" in problems[0].message


# -- what panes dev|start watches around the lifespan (StartupWatch) and load_lifespan's words --


async def test_a_start_up_that_never_reaches_yield_fails_naming_the_file_and_line():
    @asynccontextmanager
    async def lifespan(app):
        await asyncio.Event().wait()  # a database that never answers
        yield {}

    failures: list[str] = []
    server = Protocol()
    watch = StartupWatch(Lifespan(lifespan, "app", file="app/lifespan.py"), timeout=0.2,
                         failed=lambda: failures.append("failed"))
    started = time.monotonic()
    await watch(server.scope, server.receive, server.send)
    assert time.monotonic() - started < 2
    assert server.types == ["lifespan.startup.failed"]
    message = server.sent[0]["message"]
    assert message.startswith("app/lifespan.py: lifespan() did not reach `yield` within 0.2 s")
    assert "await asyncio.Event().wait()" in message and "--startup-timeout" in message
    assert failures == ["failed"]


async def test_a_start_up_that_raises_is_passed_on_and_counts_as_failed():
    failures: list[str] = []
    server = Protocol()
    watch = StartupWatch(Lifespan(make_lifespan([], fail_at="startup"), "app"), timeout=5,
                         failed=lambda: failures.append("failed"))
    await watch(server.scope, server.receive, server.send)
    assert server.types == ["lifespan.startup.failed"]
    assert "the database is down" in server.sent[0]["message"]
    assert failures == ["failed"]


async def test_a_start_up_in_time_serves_until_shutdown():
    events: list = []
    server = Protocol()
    watch = StartupWatch(Lifespan(make_lifespan(events, {"pool": "P"}), "app"), timeout=5)
    await watch(server.scope, server.receive, server.send)
    assert server.types == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert server.scope["state"] == {"pool": "P"}


def module_with(source: str) -> types.ModuleType:
    module = types.ModuleType("lifespan_under_test")
    exec(source, module.__dict__)  # noqa: S102 - the test's own source
    return module


@pytest.mark.parametrize(("source", "says"), [
    ("from contextlib import asynccontextmanager\n\n@asynccontextmanager\n"
     "async def lifespan(app):\n    return {}\n",
     "lifespan() has @asynccontextmanager but no `yield`"),
    ("from contextlib import asynccontextmanager\n\n@asynccontextmanager\n"
     "def lifespan(app):\n    yield {}\n",
     "lifespan() is a plain generator (`def`) under @asynccontextmanager"),
    ("async def lifespan(app):\n    return {}\n", "lifespan() is not an async context manager"),
])
def test_a_lifespan_that_cannot_work_is_named_for_what_it_lacks(source, says):
    func, problems = load_lifespan(module_with(source), "app/lifespan.py")
    assert func is None and [p.message for p in problems] == [says]
    if "no `yield`" in says:  # (it never asks to add the decorator that is there)
        assert "@asynccontextmanager" not in problems[0].fix and "`yield`" in problems[0].fix
