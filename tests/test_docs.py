"""Every name a user can set, call or see is documented: the README or a docs/ page it links.

The names are found in the code, not listed here, so that a new attribute, event, function of
``window.panes``, module constant, environment variable or command-line flag fails this test
until it is documented (whoever adds it)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from panes.core.kinds import EXTRA_KINDS, FILE_KINDS
from panes.tools.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "panes"
SCRIPTS = sorted((SRC / "static").glob("*.js"))


def docs_text() -> str:
    """The README and every docs/ page it links (and those they link), as one text."""
    seen: set[Path] = set()
    todo = [ROOT / "README.md"]
    parts = []
    while todo:
        path = todo.pop()
        if path in seen or not path.exists():
            continue
        seen.add(path)
        text = path.read_text()
        parts.append(text)
        for link in re.findall(r"\]\(([^)#\s]+\.md)", text):
            todo.append((path.parent / link).resolve())
    return "\n".join(parts)


DOCS = docs_text()


def scripts() -> str:
    return "\n".join(p.read_text() for p in SCRIPTS)


def attributes() -> set[str]:
    return set(re.findall(r"data-panes-[a-z][a-z-]*[a-z]", scripts() + "\n".join(
        p.read_text() for p in SRC.rglob("*.py"))))


def events() -> set[str]:
    """Events the runtime dispatches: ``new CustomEvent("panes:…")`` / ``new Event(…)``, and
    ``emit(target, "name", …)`` (panes.js's helper, which dispatches ``panes:name``)."""
    text = scripts()
    return (set(re.findall(r"new (?:Custom)?Event\(\s*[\"'](panes:[\w:-]+)[\"']", text))
            | {f"panes:{name}" for name in re.findall(r"\bemit\([^,()]+,\s*\"([\w-]+)\"", text)}
            | {f"panes:{name}" for name in re.findall(r"\blifecycle\([^;]*?\"(load|unload)\"\)", text)})


def window_panes() -> set[str]:
    """The keys of every ``window.panes = { … }`` object, and ``window.panes.x = …``."""
    names: set[str] = set()
    for text in (p.read_text() for p in SCRIPTS):
        for body in re.findall(r"window\.panes\s*=\s*\{(.*?)\n\s*\};", text, re.DOTALL):
            names |= set(re.findall(r"^\s*(\w+)\s*:", body, re.MULTILINE))
        names |= set(re.findall(r"window\.panes\.(\w+)\s*=(?!=)", text))
    return names


def constants() -> set[str]:
    return {name for kind in (*FILE_KINDS.values(), *EXTRA_KINDS.values())
            for name in kind.constants}


def environment() -> set[str]:
    found: set[str] = set()
    for path in [*SRC.rglob("*.py"), *SCRIPTS]:
        found |= set(re.findall(r"\bPANES_[A-Z][A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    return found


def flags() -> set[str]:
    found: set[str] = set()
    parser = _parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                for option in command._actions:
                    found |= {o for o in option.option_strings if o.startswith("--")}
    return found


def documented(name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", DOCS) is not None


@pytest.mark.parametrize("kind, found", [
    ("HTML attribute", attributes),
    ("event", events),
    ("window.panes function", window_panes),
    ("module constant", constants),
    ("environment variable", environment),
    ("command-line flag", flags),
])
def test_every_name_in_the_code_is_documented(kind, found):
    names = found()
    assert names or kind == "event", f"the scan for {kind}s found nothing: is it still right?"
    missing = sorted(n for n in names if not documented(n))
    assert not missing, (f"{kind}s missing from the README and the docs it links: {missing} "
                         "(docs/reference.md lists them all)")


def test_the_scans_find_what_they_should():
    assert {"data-panes-reload", "data-panes-prefetch", "data-panes-retry"} <= attributes()
    assert {"push", "replace", "refresh"} <= window_panes()
    assert {"STICKY", "RESTORE"} <= constants()
    assert {"PANES_SECRET", "PANES_APP_DIR"} <= environment()
    assert {"--host", "--port", "--workers", "--url"} <= flags()
    assert {"panes:dev-update", "panes:load", "panes:unload", "panes:before-navigate",
            "panes:navigate", "panes:error"} <= events()


def test_the_readme_links_the_docs_pages():
    linked = set(re.findall(r"\]\((docs/[^)#\s]+\.md)", (ROOT / "README.md").read_text()))
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, f"not linked from the README: {sorted(pages - linked)}"
