"""An app built of slots, for actions in any placed page: a list in ``children``, an issue in
``@detail`` (whose page has the form and the action), a slow ``@insights`` slot behind
``loading.py``, an admin section whose layout refuses users who are not admins, a section whose
layout redirects, and a page without an action. Every action counts its runs in a JSON file."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_app

DB = '''
import json, pathlib
DB = pathlib.Path({db!r})
def load():
    return json.loads(DB.read_text())
def bump(key):
    data = load()
    data[key] = data.get(key, 0) + 1
    DB.write_text(json.dumps(data))
    return data[key]
'''

FORM = '''
from markupsafe import Markup
def form(name, result):
    return Markup('<form method="post" id="{0}-form"><input name="title" id="{0}-title">'
                  '<button id="{0}-send">Send</button></form><p id="{0}-result">{1}</p>'
                  ).format(name, result or "")
'''


def files(db: Path, slow: float) -> dict[str, str]:
    # (in each file: a module under app/_lib would be imported once for every test's app)
    head = DB.format(db=str(db)) + FORM
    return {
        "layout.py": '''
from markupsafe import Markup
def layout(children, detail, insights):
    return (Markup('<!doctype html><html><body><main>')
            + children + Markup('</main><section id="detail">') + detail
            + Markup('</section><aside id="insights">') + insights
            + Markup('</aside></body></html>'))
''',
        "page.py": "def page():\n    return 'home'\n",
        "issues/page.py": '''
from markupsafe import Markup
def page():
    return Markup('<a id="open-a" href="/issues/A-1">A-1</a> <a id="board" href="/board">board</a>')
''',
        "issues/[key]/page.py": "def page(params):\n    return 'issue list at ' + params['key']\n",
        "board/page.py": "def page():\n    return 'the board'\n",
        "@detail/default.py": "def default():\n    return 'no issue'\n",
        "@detail/issues/[key]/page.py": head + '''
from panes import invalid
def page(params, action_result=None):
    return form("detail", action_result) + f"issue {params['key']}"
async def action(form, params, pathname):
    title = str(form.get("title", ""))
    if not title:
        return invalid("a title is required")
    bump("detail:" + params["key"])
    return f"renamed {params['key']} to {title} (posted at {pathname}, fields {sorted(form)})"
''',
        "@insights/default.py": "def default():\n    return ''\n",
        "@insights/loading.py": "def loading():\n    return 'insights loading'\n",
        "@insights/issues/[key]/page.py": f'''
import asyncio
async def page(params):
    await asyncio.sleep({slow})
    return 'insights for ' + params['key']
''',
        "admin/layout.py": '''
def layout(children, cookies):
    if cookies.get("role") != "admin":
        return "Forbidden"
    return children
''',
        "admin/page.py": head + '''
def page(action_result=None):
    return form("admin", action_result)
def action(form):
    bump("admin")
    return "admin action ran"
''',
        "guarded/layout.py": '''
from panes import redirect
def layout(children, cookies):
    if not cookies.get("role"):
        redirect("/login")
    return children
''',
        "guarded/page.py": head + '''
def page(action_result=None):
    return form("guarded", action_result)
def action(form):
    bump("guarded")
''',
        "login/page.py": "def page():\n    return 'log in'\n",
        "plain/page.py": '''
from markupsafe import Markup
def page():
    return Markup('<form method="post" id="plain-form"><button>Post</button></form>')
''',
    }


def make(root: Path, slow: float = 0.0) -> tuple[Path, Path]:
    """The app directory and its counter file."""
    db = root / "db.json"
    db.write_text(json.dumps({}))
    return write_app(root / "app", files(db, slow)), db


def counts(db: Path) -> dict[str, int]:
    return json.loads(db.read_text())  # type: ignore[no-any-return]
