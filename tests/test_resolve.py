"""Navigation resolution as a table: (what the browser shows, where it goes) → what renders.

Each row starts from a real state: the browser's after a hard load of the first URL and soft
navigations through the others (a real App rendering stub pages), then asks the pure resolver
what a soft navigation (or a restore) renders. ``describe()`` prints each region rendered
(``render``; ``relayout``: the layout itself again), rendered from another URL (``inner``), or
kept as the browser has it (``keep``); ``hard`` is a full page load.
"""

from __future__ import annotations

import json

import pytest
from conftest import write_app

from panes import App
from panes.core import protocol
from panes.core.protocol import verify
from panes.core.resolve import resolve_navigation, resolve_restore
from panes.core.state import State
from panes.render.cookies import parse_cookie_header


def decode(text, key, bound):
    """The state a wire text carries, as the server reads it."""
    return verify(text, key, bound).state


pytestmark = pytest.mark.anyio

SECRET = b"resolve table"
ADMIN = "role=admin"

SHOWS_TAB = """
from markupsafe import Markup
from panes import selected_layout_segment

def layout(children):
    return Markup('<nav>tab={}</nav>').format(selected_layout_segment()) + children
"""

AREA = """
def layout(children, admin, user, request):
    return admin if request.cookies.get('role') == 'admin' else user
"""

FILES = {
    "layout.py": "",  # places children, analytics, modal, notes, team
    "page.py": "",
    "default.py": "",
    "@team/page.py": "",
    "@team/default.py": "",
    "@team/settings/page.py": "",
    "@team/members/[id]/page.py": "",
    "@analytics/layout.py": SHOWS_TAB,
    "@analytics/page.py": "",
    "@analytics/default.py": "",
    "@analytics/views/page.py": "",
    "@analytics/visitors/page.py": "",
    "@modal/default.py": "STICKY = False\n\ndef default():\n    return None\n",
    "@modal/(.)photos/[id]/page.py": "",
    "@notes/default.py": "RESTORE = True\n\ndef default():\n    return 'no note'\n",
    "@notes/todo/page.py": "",
    "photos/[id]/page.py": "",
    "photos/page.py": "",
    "photos/(.)tags/[tag]/page.py": "",
    "photos/tags/[tag]/page.py": "",
    "area/layout.py": AREA,
    "area/page.py": "",
    "area/@admin/page.py": "",
    "area/@admin/reports/page.py": "",
    "area/@admin/default.py": "",
    "area/@user/page.py": "",
    "area/@user/default.py": "",
    "docs/[...slug]/page.py": "",
    "only-slot/@crumbs/page.py": "",
    "only-slot/layout.py": "",
    "(shop)/cart/page.py": "",
    "(shop)/cart/layout.py": "",
    # Next.js's e2e parallel-layout and parallel-prefetch-false: children has a page only at
    # the folder itself, a slot has pages below it
    "parallel-layout/layout.py": "",
    "parallel-layout/page.py": "",
    "parallel-layout/@slot/page.py": "",
    "parallel-layout/@slot/subroute/layout.py": "",
    "parallel-layout/@slot/subroute/page.py": "",
    "prefetch-false/layout.py": "",
    "prefetch-false/page.py": "",
    "prefetch-false/@parallel/default.py": "",
    "prefetch-false/@parallel/foo/page.py": "",
    # a slot's catch-all below a folder whose children has no default
    "blog/layout.py": "",
    "blog/page.py": "",
    "blog/@crumbs/[...path]/page.py": "",
    "blog/@crumbs/page.py": "",
}

SWAP_ROOT = {
    "(shop)/layout.py": "", "(shop)/cart/page.py": "", "(shop)/checkout/page.py": "",
    "(blog)/layout.py": "", "(blog)/posts/page.py": "",
}

# (the URLs the browser went through, where it goes now, what renders)
NAVIGATIONS = [
    # the same URL again: nothing to render
    ("/", "/", "keep analytics/children; keep children; keep modal; keep notes; keep team"),
    # a team page: only the team region; slots with no match keep what they show
    ("/", "/settings", "render team=@team/settings/page.py; keep analytics; keep children; keep modal; "
     "keep notes"),
    # an analytics tab: the tab's region, and its layout, which reads the active tab, again
    ("/", "/views", "relayout analytics=@analytics/layout.py; keep children; keep modal; keep notes; "
     "keep team"),
    ("/ /views", "/visitors", "relayout analytics=@analytics/layout.py; keep children; keep modal; keep notes; "
     "keep team"),
    # back to a tab from a team page: team keeps settings (no match at /views)
    ("/ /settings", "/views", "relayout analytics=@analytics/layout.py; keep children; keep modal; keep notes; "
     "keep team"),
    # a query-only change renders the pages (they get search_params), not the layouts
    ("/views", "/views?range=7d",
     "render analytics/children=@analytics/views/page.py; keep children; keep modal; "
     "keep notes; keep team"),
    ("/", "/?q=1", "render children=page.py; render team=@team/page.py; "
     "render analytics/children=@analytics/page.py; keep modal; keep notes"),
    # a dynamic segment with another value is another page
    ("/members/1", "/members/2",
     "render team=@team/members/[id]/page.py; keep analytics; keep children; "
     "keep modal; keep notes"),
    ("/members/1", "/members/1", "keep analytics; keep children; keep modal; keep notes; keep team"),
    # children shows a page where the browser showed the root default
    ("/settings", "/photos", "render children=photos/page.py; keep analytics; keep modal; keep notes; "
     "keep team"),
    ("/settings", "/", "render children=page.py; render analytics=@analytics/layout.py; "
     "render team=@team/page.py; keep modal; keep notes"),
    # a modal: intercepted from / (and below), over a background that stays
    ("/", "/photos/1", "render modal=@modal/(.)photos/[id]/page.py; keep analytics; keep children; "
     "keep notes; keep team"),
    ("/settings", "/photos/1", "render modal=@modal/(.)photos/[id]/page.py; keep analytics; keep children; "
     "keep notes; keep team"),
    # another photo from the modal: intercepted again (the background is still /)
    ("/ /photos/1", "/photos/2", "render modal=@modal/(.)photos/[id]/page.py; keep analytics; keep children; "
     "keep notes; keep team"),
    # closing it by going anywhere else: STICKY = False shows the modal's default
    ("/ /photos/1", "/settings", "render modal=@modal/default.py; render team=@team/settings/page.py; "
     "keep analytics; keep children; keep notes"),
    ("/ /photos/1", "/", "render modal=@modal/default.py; keep analytics/children; keep children; "
     "keep notes; keep team"),
    # reopening the same photo after closing: rendered again
    ("/ /photos/1 /", "/photos/1", "render modal=@modal/(.)photos/[id]/page.py; keep analytics; keep children; "
     "keep notes; keep team"),
    # from the full photo page (a hard load), another photo is intercepted: the (.) route
    # intercepts from / and everything below it
    ("/photos/1", "/photos/2", "render modal=@modal/(.)photos/[id]/page.py; keep analytics; keep children; "
     "keep notes; keep team"),
    # interception from a nested path: (.)tags intercepts /photos/tags/x from /photos
    ("/photos", "/photos/tags/red", "render children=photos/(.)tags/[tag]/page.py; keep analytics; keep modal; "
     "keep notes; keep team"),
    ("/photos/1", "/photos/tags/red", "render children=photos/(.)tags/[tag]/page.py; keep analytics; keep modal; "
     "keep notes; keep team"),
    ("/", "/photos/tags/red", "render children=photos/tags/[tag]/page.py; keep analytics; keep modal; "
     "keep notes; keep team"),
    # a slot that only some URL fills keeps what it shows elsewhere (RESTORE does not change it)
    ("/", "/todo", "render notes=@notes/todo/page.py; keep analytics; keep children; keep modal; "
     "keep team"),
    ("/todo", "/settings", "render team=@team/settings/page.py; keep analytics; keep children; keep modal; "
     "keep notes"),
    # a catch-all: each new path is another page
    ("/docs/a", "/docs/a/b", "render children=docs/[...slug]/page.py; keep analytics; keep modal; keep notes; "
     "keep team"),
    ("/docs/a", "/docs/a", "keep analytics; keep children; keep modal; keep notes; keep team"),
    # into a folder with its own layout: the whole children region, with its slots
    ("/", "/area", "render children=area/layout.py; keep analytics; keep modal; keep notes; "
     "keep team"),
    # @user has only a default at /area/reports: it keeps its page (sticky, as in Next.js)
    ("/area", "/area/reports", "keep analytics; keep children/user; keep modal; keep notes; keep team"),
    # the URL is served only by a slot below a layout that does not place children: the
    # placed slot changes, nothing else
    ("/settings", "/only-slot", "render children=only-slot/layout.py; keep analytics; keep modal; keep notes; "
     "keep team"),
    # a layout without slots of its own, in a group
    ("/", "/cart", "render children=(shop)/cart/layout.py; keep analytics; keep modal; keep notes; "
     "keep team"),
    # no route serves it: a full load (the 404 page)
    ("/", "/nowhere", "hard"),
    ("/", "/area/nowhere", "hard"),
    # a URL no page of the children chain serves: the hard load is a 404, so is this
    ("/area", "/area/nothing-here", "hard"),
    # a real page in another slot serves the URL, children has nothing for it: children keeps
    # what it shows and the slot shows its page (Next.js's e2e parallel-layout and
    # parallel-prefetch-false; a hard load of the URL is a 404)
    ("/parallel-layout", "/parallel-layout/subroute",
     "render children/slot=parallel-layout/@slot/subroute/layout.py; keep analytics; "
     "keep children/children; keep modal; keep notes; keep team"),
    ("/prefetch-false", "/prefetch-false/foo",
     "render children/parallel=prefetch-false/@parallel/foo/page.py; keep analytics; "
     "keep children/children; keep modal; keep notes; keep team"),
    # nothing but a slot's catch-all serves it: the not-found page, as a hard load (#79352)
    ("/blog", "/blog/nowhere", "hard"),
    # the state never names a slot the layout did not place: @admin is not in it
    ("/area", "/area?tab=1", "render children/user=area/@user/page.py; keep analytics; keep modal; keep notes; "
     "keep team"),
]

ADMIN_NAVIGATIONS = [
    # the same app for a user whose request makes the layout place @admin
    ("/area", "/area/reports", "render children/admin=area/@admin/reports/page.py; keep analytics; keep modal; "
     "keep notes; keep team"),
    ("/area", "/area?tab=1", "render children/admin=area/@admin/page.py; keep analytics; keep modal; "
     "keep notes; keep team"),
]

ROOT_SWAPS = [
    # another root layout renders the document: a full load
    ("/cart", "/posts", "hard"),
    # the same root layout: soft
    ("/cart", "/checkout", "render children/children=(shop)/checkout/page.py"),
]

# (the URLs the browser went through, the regions to render again, what renders)
RESTORES = [
    # refresh(): each top region again, from the URL that activated it
    ("/ /views /settings", "children analytics team",
     "render children=page.py from /; "
     "render analytics=@analytics/layout.py from /views; "
     "render team=@team/settings/page.py"),
    # a region inside one that another URL activated renders from that URL
    ("/views /", "analytics", "render analytics=@analytics/layout.py"),
    ("/ /views", "analytics/children",
     "render analytics/children=@analytics/views/page.py"),
    # the modal is restored through the same interception
    ("/ /photos/1", "modal children",
     "render modal=@modal/(.)photos/[id]/page.py; render children=page.py from /"),
    # RESTORE = True: the note comes back after a reload
    ("/todo /", "notes", "render notes=@notes/todo/page.py from /todo"),
]


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    base = tmp_path_factory.mktemp("resolve")
    return (App(write_app(base / "main" / "app", FILES), secret=SECRET),
            App(write_app(base / "roots" / "app", SWAP_ROOT), secret=SECRET))


async def browse(app: App, client_for, path: str, cookie: str = "") -> State:
    """The state the browser holds after loading the first URL and following the others."""
    client = client_for(app)
    headers = {"cookie": cookie} if cookie else {}
    first, *rest = path.split()
    html = (await client.get(first, headers=headers)).text
    wire = json.loads(html.split('id="panes-state">', 1)[1].split("</script>", 1)[0])
    for url in rest:
        answer = await client.get(url, headers={**headers, "Panes-State": protocol.dumps(wire)})
        for record in protocol.parse(answer.text):
            assert record["t"] in ("patch", "state"), record
            wire = protocol.merge(wire, record)
    bound = protocol.binding(parse_cookie_header(cookie), "", app.key)
    return decode(protocol.dumps(wire), app.key, bound)


@pytest.mark.parametrize(("path", "to", "expected"), NAVIGATIONS)
async def test_navigation(apps, client_for, path, to, expected):
    state = await browse(apps[0], client_for, path)
    assert resolve_navigation(apps[0].model, state, to).describe() == expected


@pytest.mark.parametrize(("path", "to", "expected"), ADMIN_NAVIGATIONS)
async def test_navigation_for_an_admin(apps, client_for, path, to, expected):
    state = await browse(apps[0], client_for, path, cookie=ADMIN)
    assert resolve_navigation(apps[0].model, state, to).describe() == expected


@pytest.mark.parametrize(("path", "to", "expected"), ROOT_SWAPS)
async def test_navigation_between_root_layouts(apps, client_for, path, to, expected):
    state = await browse(apps[1], client_for, path)
    assert resolve_navigation(apps[1].model, state, to).describe() == expected


@pytest.mark.parametrize(("path", "regions", "expected"), RESTORES)
async def test_restore(apps, client_for, path, regions, expected):
    state = await browse(apps[0], client_for, path)
    resolution = resolve_restore(apps[0].model, state, state, regions.split())
    assert not resolution.push
    assert resolution.describe() == expected


async def test_a_restore_of_a_region_the_state_lacks_is_refused(apps, client_for):
    from panes.core.errors import BadRequest

    state = await browse(apps[0], client_for, "/area")
    with pytest.raises(BadRequest):
        resolve_restore(apps[0].model, state, state, ["children/admin"])
