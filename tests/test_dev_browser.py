"""``panes dev`` in Chromium, as a user runs it (a real ``panes dev`` process): a saved page
updates the open tab within a second without a reload, typed input in another slot survives;
an error shows the overlay over the page and the tab recovers once the file is fixed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import write_app
from test_serve import panes

LAYOUT = """from markupsafe import Markup

def layout(children, team):
    return Markup('<html><head><title>t</title></head><body><main>') + children + \\
        Markup('</main><aside>') + team + Markup('</aside></body></html>')
"""
FILES = {
    "layout.py": LAYOUT,
    "page.py": "def page():\n    return 'inbox v1'\n",
    "@team/page.py": ("from markupsafe import Markup\n\ndef page():\n"
                      "    return Markup('<input id=typed>')\n"),
    "@team/default.py": "def default():\n    return None\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_app(tmp_path / "app", FILES)
    return tmp_path


def open_tab(page, url: str) -> None:
    page.goto(url + "/")
    page.wait_for_function("window.panes !== undefined && window.panesDev !== undefined")
    page.evaluate("window.marker = 'same document'")
    page.fill("#typed", "typed before the edit")
    time.sleep(0.5)  # the dev script's stream is open


def save(project: Path, source: str) -> float:
    (project / "app" / "page.py").write_text(source)
    return time.monotonic()


def test_a_saved_page_updates_the_tab_within_a_second_keeping_other_slots(browser, project):
    with panes("dev", "app", cwd=project) as (url, _):
        page = browser.new_page()
        open_tab(page, url)
        timings = []
        for version in (2, 3, 4):
            saved = save(project, f"def page():\n    return 'inbox v{version}'\n")
            page.wait_for_function(f"document.querySelector('main').textContent === "
                                   f"'inbox v{version}'", timeout=5000)
            timings.append(time.monotonic() - saved)
            time.sleep(0.3)
        assert page.evaluate("window.marker") == "same document"  # no reload
        assert page.input_value("#typed") == "typed before the edit"
        print(f"save -> updated tab: {', '.join(f'{t * 1000:.0f} ms' for t in timings)}")
        assert min(timings) < 1.0 and sorted(timings)[1] < 1.0


def test_an_error_shows_the_overlay_and_the_tab_recovers_once_fixed(browser, project):
    with panes("dev", "app", cwd=project) as (url, lines):
        page = browser.new_page()
        open_tab(page, url)
        overlay = "document.querySelector('panes-dev-overlay')"
        save(project, "def page():\n    items = {}\n    return items['subject']\n")
        page.wait_for_selector("panes-dev-overlay", state="attached", timeout=5000)
        text = page.evaluate(f"{overlay}.shadowRoot.textContent")
        assert "KeyError: 'subject'" in text and "return items['subject']" in text
        assert "app/page.py, line 3, in page()" in text

        save(project, "def page(:\n    return 'x'\n")  # a syntax error: no app at all
        page.wait_for_function(f"{overlay} && {overlay}.shadowRoot.textContent"
                               ".includes('SyntaxError')", timeout=5000)

        save(project, "def page():\n    return 'fixed'\n")
        page.wait_for_function(f"!{overlay} && document.querySelector('main').textContent"
                               " === 'fixed'", timeout=5000)
        assert page.evaluate("window.marker") == "same document"
        assert page.input_value("#typed") == "typed before the edit"
    log = "\n".join(lines)
    assert "KeyError: 'subject'" in log and "frames of panes and libraries folded" in log


def test_panes_start_serves_no_dev_script(project):
    import httpx

    from panes.http import dev

    with panes("start", "app", cwd=project) as (url, _):
        assert "/_panes/dev" not in httpx.get(url + "/").text
        assert httpx.get(url + dev.EVENTS).status_code == 404
        assert httpx.get(url + dev.script_path()).status_code == 404
