"""The ``panes`` command: the route table and one URL explained."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from panes.tools.cli import main

DASHBOARD = Path(__file__).resolve().parent.parent / "examples" / "dashboard" / "app"


def test_route_table_of_the_dashboard(capsys):
    assert main(["routes", str(DASHBOARD)]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == ["URL", "children", "app/@analytics", "app/@team",
                        "app/admin-area/@admin", "app/admin-area/@user"]
    rows = {row[0]: row[1:] for row in lines[2:] if row and row[0].startswith("/")}
    assert rows["/"] == ["app/page.py", "app/@analytics/page.py", "app/@team/page.py"]
    # /settings is only in @team: the other slots fall back to their defaults on a hard load
    assert rows["/settings"] == ["app/default.py", "app/@analytics/default.py",
                                 "app/@team/settings/page.py"]
    assert rows["/admin-area"] == ["app/admin-area/page.py", "app/@analytics/default.py",
                                   "app/@team/default.py", "app/admin-area/@admin/page.py",
                                   "app/admin-area/@user/page.py"]
    assert rows["/docs/[...slug]"][0] == "app/docs/[...slug]/page.py"


def test_explain_a_url(capsys):
    assert main(["routes", str(DASHBOARD), "--url", "/projects/alpha?x=1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "/projects/alpha: route /projects/[id]"
    assert "children    app/projects/[id]/page.py  params={'id': 'alpha'}" in out
    assert "(default: no page in this slot serves this URL)" in out
    assert main(["routes", str(DASHBOARD), "--url", "/no/such/page"]) == 0
    assert capsys.readouterr().out.strip() == (
        "/no/such/page: no route serves this URL; app/not_found.py renders, status 404")
    assert main(["routes", str(DASHBOARD), "--url", "/%ff"]) == 1
    assert "not valid UTF-8 (the server answers 400)" in capsys.readouterr().err


def test_python_dash_m_panes_is_the_same_command(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "page.py").write_text("def page():\n    return 'hi'\n")
    done = subprocess.run([sys.executable, "-m", "panes", "check", str(tmp_path / "app")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok: 1 routes, 0 warning(s)"
    done = subprocess.run([sys.executable, "-m", "panes"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "dev" in done.stdout and "check" in done.stdout


def test_panes_start_gives_slots_a_timeout_by_default_and_0_turns_it_off():
    from panes.tools.cli import PRODUCTION_SLOT_TIMEOUT, _parser

    assert _parser().parse_args(["start"]).slot_timeout == PRODUCTION_SLOT_TIMEOUT == 30
    assert _parser().parse_args(["dev"]).slot_timeout is None
    assert _parser().parse_args(["start", "--slot-timeout", "0"]).slot_timeout == 0
