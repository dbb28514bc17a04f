"""An app for the action and prefetch tests: a root layout that shows a count, a slot with an
input of its own, a form whose action returns results, field errors, fails or redirects, and
pages that count how often they run (in a JSON file, shared by the server and the test)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_app

DB = '''
import json, pathlib
DB = pathlib.Path({db!r})
def load():
    return json.loads(DB.read_text())
def bump(key, by=1):
    data = load()
    data[key] = data.get(key, 0) + by
    DB.write_text(json.dumps(data))
    return data[key]
'''


def files(db: Path) -> dict[str, str]:
    head = DB.format(db=str(db))
    return {
        "layout.py": head + '''
from markupsafe import Markup
def layout(children, team):
    return Markup('<!doctype html><html><head><title>Items</title></head><body>'
                  '<header id="count">{} items</header><main>').format(load().get("items", 0)) \\
        + children + Markup('</main><aside>') + team + Markup('</aside></body></html>')
''',
        "error.py": "def error(error):\n    return 'failed: ' + type(error).__name__\n",
        "page.py": head + '''
import asyncio
from markupsafe import Markup, escape
from panes import invalid, redirect, not_found
def page(action_result=None):
    bump("renders:/")
    errors = (action_result or {}).get("errors", {})
    message = (action_result or {}).get("message", "")
    return Markup(
        '<form method="post" id="add"><input name="title" id="title">'
        '<span id="title-error">{}</span>'
        '<button id="submit" name="go" value="1">Add</button></form>'
        '<p id="message">{}</p><a id="to-list" href="/list">list</a>'
    ).format(errors.get("title", ""), message)
async def action(form, cookies):
    bump("posts")
    await asyncio.sleep(float(form.get("wait") or 0))
    if form.get("fail"):
        raise RuntimeError("boom")
    if form.get("missing"):
        not_found()
    title = str(form.get("title", ""))
    if not title:
        return invalid({"errors": {"title": "A title is required."}})
    bump("items")
    cookies.set("last", title)
    if form.get("then") == "list":
        redirect("/list")
    return {"message": f"Added {title}."}
''',
        "list/page.py": head + '''
def page(cookies):
    bump("renders:/list")
    return f"list of {load().get('items', 0)} (last {cookies.get('last')})"
''',
        "@team/page.py": head + '''
from markupsafe import Markup
def page():
    bump("renders:team")
    return Markup('<input id="note"> team')
''',
        "@team/default.py": "def default():\n    return 'team default'\n",
        "slow/loading.py": "def loading():\n    return 'loading slow'\n",
        "slow/page.py": head + '''
import asyncio
async def page():
    bump("renders:/slow")
    await asyncio.sleep(0.3)
    return 'slow content'
''',
        "once/page.py": head + '''
PREFETCH = False
def page():
    bump("renders:/once")
    return 'read once'
''',
        "plain/page.py": head + '''
def page():
    bump("renders:/plain")
    return 'plain page'
''',
        "many/page.py": '''
from markupsafe import Markup
def page():
    return Markup('<a id="slow" href="/slow">slow</a> <a id="once" href="/once">once</a> '
                  '<a id="off" href="/plain?off" data-panes-prefetch="false">off</a>'
                  + "".join(f'<p><a href="/plain?n={i}">link {i}</a></p>' for i in range(50)))
''',
    }


def make(root: Path) -> tuple[Path, Path]:
    """The app directory and its counter file."""
    db = root / "db.json"
    db.write_text(json.dumps({}))
    return write_app(root / "app", files(db)), db


def counts(db: Path) -> dict[str, int]:
    return json.loads(db.read_text())  # type: ignore[no-any-return]
