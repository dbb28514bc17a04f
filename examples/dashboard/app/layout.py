from htpy import a, aside, body, div, h1, h2, head, header, html, main, meta, nav, p, section, span, style
from markupsafe import Markup

NAV = [
    ("Dashboard", [("Overview", "/"), ("Team settings", "/settings"), ("Page views", "/page-views"),
                   ("Visitors", "/visitors"), ("Realtime", "/realtime"), ("Errors demo", "/errors-demo")]),
    ("Workspace", [("Projects", "/projects"), ("Project Alpha", "/projects/alpha"),
                   ("Docs", "/docs/getting-started/install"), ("Missing page", "/nope")]),
]
# Only the query string changes between these two, and layouts are kept across such
# navigations, so the role links ask for a full reload.
ROLES = [("Admin view", "/admin-area?role=admin"), ("User view", "/admin-area?role=user")]

CSS = Markup("""
:root { --bg:#f4f6fb; --card:#fff; --text:#1d2433; --muted:#6b7489; --line:#e4e8f0;
  --brand:#5b5bd6; --brand-soft:#ecebfd; --side:#141a2b; --green:#1f9d6b; --amber:#c77d09;
  --red:#d64545; --blue:#2f6fe0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
  background: var(--bg); color: var(--text); }
a { color: var(--brand); text-decoration: none; }
a:hover { text-decoration: underline; }
.shell { display: grid; grid-template-columns: 232px 1fr; min-height: 100vh; }
.sidebar { background: var(--side); color: #c9cfdf; padding: 20px 14px; }
.brand { display: flex; gap: 10px; align-items: center; color: #fff; font-weight: 700;
  font-size: 17px; padding: 0 10px 18px; }
.logo { width: 28px; height: 28px; border-radius: 8px; background: linear-gradient(135deg, #7b7bf0, #41c7b9); }
.nav-title { text-transform: uppercase; font-size: 11px; letter-spacing: .08em; color: #7d869c;
  margin: 18px 10px 6px; }
.sidebar a { display: block; color: #c9cfdf; padding: 7px 10px; border-radius: 8px; }
.sidebar a:hover { background: #222a40; text-decoration: none; }
.sidebar a[aria-current="page"] { background: var(--brand); color: #fff; }
.main { padding: 0 32px 40px; min-width: 0; }
.topbar { display: flex; justify-content: space-between; align-items: center;
  padding: 20px 0; border-bottom: 1px solid var(--line); margin-bottom: 24px; }
.topbar h1 { margin: 0; font-size: 22px; }
.muted { color: var(--muted); }
.slots { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.4fr); gap: 24px; margin-top: 24px; }
.slot-title { font-size: 13px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); margin: 0 0 10px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 16px; }
.stack > * + * { margin-top: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 18px 20px;
  box-shadow: 0 1px 2px rgba(20, 26, 43, .04); }
.card-head { display: flex; justify-content: space-between; align-items: center; margin-bottom: 10px; }
.card-head h3 { margin: 0; font-size: 16px; }
.card p { margin: 6px 0; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 16px 18px;
  display: flex; flex-direction: column; }
.stat-label { color: var(--muted); font-size: 13px; }
.stat-value { font-size: 26px; font-weight: 700; }
.stat-delta { font-size: 13px; font-weight: 600; }
.up { color: var(--green); } .down { color: var(--red); }
.badge { display: inline-block; padding: 2px 9px; border-radius: 99px; font-size: 12px; font-weight: 600;
  background: #eef0f5; color: var(--muted); }
.badge.green { background: #e3f6ee; color: var(--green); } .badge.amber { background: #fdf1dc; color: var(--amber); }
.badge.blue { background: #e6eefc; color: var(--blue); } .badge.red { background: #fde8e8; color: var(--red); }
.avatar { display: inline-grid; place-items: center; width: 32px; height: 32px; border-radius: 50%;
  background: var(--brand-soft); color: var(--brand); font-weight: 700; font-size: 12px; }
.people { list-style: none; margin: 0; padding: 0; }
.people li { display: flex; align-items: center; gap: 10px; padding: 8px 0; border-top: 1px solid var(--line); }
.people li:first-child { border-top: 0; }
.people .who { flex: 1; display: flex; flex-direction: column; line-height: 1.3; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #c4c9d6; }
.dot.on { background: var(--green); }
.tabs { display: flex; gap: 4px; flex-wrap: wrap; border-bottom: 1px solid var(--line); margin-bottom: 16px; }
.tabs a { padding: 8px 12px; color: var(--muted); border-bottom: 2px solid transparent; margin-bottom: -1px; }
.tabs a:hover { color: var(--text); text-decoration: none; }
.tabs a[aria-current="page"] { color: var(--brand); border-bottom-color: var(--brand); font-weight: 600; }
.meter + .meter { margin-top: 10px; }
.meter-row { display: flex; justify-content: space-between; font-size: 14px; }
.meter-track, .progress { height: 8px; background: #edf0f6; border-radius: 99px; overflow: hidden; }
.meter-fill, .progress div { height: 100%; background: var(--brand); border-radius: 99px; }
.chart { display: flex; align-items: flex-end; gap: 10px; height: 140px; padding-top: 10px; }
.chart .col { flex: 1; display: flex; flex-direction: column; align-items: center; gap: 6px;
  height: 100%; justify-content: flex-end; font-size: 12px; color: var(--muted); }
.chart .bar { width: 100%; background: linear-gradient(#7b7bf0, var(--brand)); border-radius: 6px 6px 2px 2px; }
form label { display: block; font-size: 13px; font-weight: 600; margin: 12px 0 4px; }
input[type=text], select { width: 100%; padding: 9px 11px; border: 1px solid var(--line); border-radius: 9px;
  font: inherit; background: #fff; }
input:focus, select:focus { outline: 2px solid var(--brand-soft); border-color: var(--brand); }
.check { display: flex; gap: 8px; align-items: center; font-weight: 400 !important; }
.btn { display: inline-block; margin-top: 14px; padding: 8px 14px; border-radius: 9px; border: 0;
  background: var(--brand); color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
.btn.ghost { background: var(--brand-soft); color: var(--brand); }
.btn:hover { text-decoration: none; filter: brightness(1.05); }
.crumbs { display: flex; gap: 8px; color: var(--muted); font-size: 14px; margin-bottom: 12px; }
.crumbs span + span::before { content: "/"; margin-right: 8px; color: #b6bccb; }
.error-card { border-color: #f3c4c4; background: #fff8f8; }
.error-card h3 { margin: 0 0 8px; font-size: 16px; }
.error-card code { background: #fde8e8; padding: 2px 6px; border-radius: 6px; }
.notice { background: #e3f6ee; color: var(--green); padding: 8px 12px; border-radius: 9px; font-size: 14px; }
.skeleton { background: linear-gradient(90deg, #edf0f6 25%, #f7f8fb 50%, #edf0f6 75%);
  background-size: 200% 100%; animation: shimmer 1.2s infinite; border-radius: 8px; height: 14px; margin: 10px 0; }
.skeleton.big { height: 44px; width: 40%; }
@keyframes shimmer { from { background-position: 200% 0; } to { background-position: -200% 0; } }
@media (max-width: 900px) { .shell, .slots { grid-template-columns: 1fr; } }
""")


# The parts that never change are rendered once, when the module loads (the active link is
# marked in the browser, with aria-current).
HEAD = Markup(head[
    meta(charset="utf-8"),
    style[CSS],
])
SIDEBAR = Markup(aside(".sidebar")[
    div(".brand")[span(".logo"), "Acme"],
    nav[
        [(p(".nav-title")[group], [a(href=url)[label] for label, url in links])
         for group, links in NAV],
        p(".nav-title")["Access"],
        [a(href=url, data_panes_reload=True)[label] for label, url in ROLES],
    ],
])


# Every page's title goes into the template; panes writes the viewport tag itself.
metadata = {
    "title": {"template": "%s · Acme Dashboard", "default": "Acme Dashboard"},
    "description": "Team, analytics and projects of Acme Inc., each in its own slot.",
    "icons": {"icon": "/favicon.svg"},  # public/favicon.svg
}


def layout(children, team, analytics):
    return html(lang="en")[
        HEAD,
        body[
            div(".shell")[
                SIDEBAR,
                main(".main")[
                    header(".topbar")[
                        h1["Dashboard"],
                        span(".muted")["Acme Inc. · Production"],
                    ],
                    section[children],
                    div(".slots")[
                        section[h2(".slot-title")["Team"], team],
                        section[h2(".slot-title")["Analytics"], analytics],
                    ],
                ],
            ],
        ],
    ]
