"""Deploy skew in Chromium: a tab that holds a page of the previous deploy keeps working. Its
next navigation is a full page load of the new version, never an error or a patch made for
DOM the new code does not render."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import free_port, write_app
from processes import Server

LAYOUT = """from markupsafe import Markup

def layout(children, side):
    return Markup('<html><head><title>mail</title></head><body><nav>'
                  '<a id=home href="/">home</a> <a id=about href="/about">about</a></nav>'
                  '<main>') + children + Markup('</main><aside>') + side + \\
        Markup('</aside></body></html>')
"""
FILES = {
    "layout.py": LAYOUT,
    "page.py": "def page():\n    return 'home v1'\n",
    "about/page.py": "def page():\n    return 'about v1'\n",
    "@side/default.py": "def default():\n    return 'side v1'\n",
}
SECRET = {"PANES_SECRET": "the same secret across deploys"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_app(tmp_path / "app", FILES)
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "favicon.ico").write_bytes(b"\0\0\1\0")  # (a full load asks)
    return tmp_path


def deploy(project: Path, version: int) -> None:
    """A new release: other page files (a region's HTML too, and a slot the old page lacks)."""
    (project / "app" / "about" / "page.py").write_text(
        f"def page():\n    return 'about v{version}'\n")
    (project / "app" / "page.py").write_text(f"def page():\n    return 'home v{version}'\n")
    (project / "app" / "@side" / "default.py").write_text(
        f"from markupsafe import Markup\n\ndef default():\n"
        f"    return Markup('<b id=new-side>side v{version}</b>')\n")


def test_a_tab_of_the_previous_deploy_loads_the_new_version_in_full(browser, project):
    port = free_port()
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} {m.location['url']}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    try:
        with Server("start", "app", cwd=project, port=port, env=SECRET).ready() as server:
            page.goto(server.url + "/")
            page.wait_for_function("window.panes !== undefined")
            page.click("#about")  # a soft navigation within the old deploy
            page.wait_for_function("document.querySelector('main').textContent === 'about v1'")
            page.evaluate("window.marker = 'old document'")
        deploy(project, 2)
        with Server("start", "app", cwd=project, port=port, env=SECRET).ready():
            page.click("#home")
            page.wait_for_function("document.querySelector('main').textContent === 'home v2'")
            assert page.evaluate("window.marker") is None  # a full page load
            assert page.inner_text("#new-side") == "side v2"
            # the new document navigates softly again
            page.evaluate("window.marker = 'new document'")
            page.click("#about")
            page.wait_for_function("document.querySelector('main').textContent === 'about v2'")
            assert page.evaluate("window.marker") == "new document"
            # Back to an entry of the old deploy: the new version, in full as well
            page.go_back()
            page.wait_for_function("document.querySelector('main').textContent === 'home v2'")
            page.go_back()
            page.wait_for_function("document.querySelector('main').textContent === 'about v2'")
        assert errors == []
    finally:
        page.close()


def test_a_restart_of_the_same_deploy_keeps_soft_navigation(browser, project):
    """The same files, the same secret: the state stays valid, navigation stays soft."""
    port = free_port()
    page = browser.new_page()
    try:
        with Server("start", "app", cwd=project, port=port, env=SECRET).ready() as server:
            page.goto(server.url + "/")
            page.wait_for_function("window.panes !== undefined")
            page.evaluate("window.marker = 'same document'")
        with Server("start", "app", cwd=project, port=port, env=SECRET).ready():
            page.click("#about")
            page.wait_for_function("document.querySelector('main').textContent === 'about v1'")
            assert page.evaluate("window.marker") == "same document"
    finally:
        page.close()
