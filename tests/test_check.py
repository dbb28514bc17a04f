"""``panes check``: one line per problem, naming the file and the fix; exit 1 on errors."""

from __future__ import annotations

import pytest
from conftest import write_app

from panes import App, AppDirError
from panes.appdir.check import analyze
from panes.tools.cli import main

LAYOUT_TEAM = "def layout(children, team):\n    return children\n"

# (files, the file named, words the message must hold, severity), one row per problem kind.
CASES = [
    # two pages resolving to the same URL (through two route groups)
    (["(a)/x/page.py", "(b)/x/page.py"], "app/(a)/x/page.py", "resolve to the same URL /x", "error"),
    # a page and a grouped page for the same URL in the same slot
    (["x/page.py", "x/(g)/page.py"], "app/x/(g)/page.py", "resolve to the same URL /x", "error"),
    # two dynamic names at one level, also through a group
    (["[id]/page.py", "[slug]/page.py"], "app/[id]", "app/[id] and app/[slug] give one URL segment different parameter names", "error"),
    (["[id]/page.py", "(g)/[slug]/page.py"], "app/(g)/[slug]", "different parameter names", "error"),
    # a catch-all that is not last
    (["[...slug]/edit/page.py"], "app/[...slug]/edit", "must be the last URL segment", "error"),
    # ... also when the page lies deeper, below a folder that holds none itself
    (["[...slug]/more/edit/page.py"], "app/[...slug]/more", "but more follows it", "error"),
    # a required and an optional catch-all at one level
    (["[...a]/page.py", "[[...a]]/page.py"], "app/[[...a]]", "optional catch-all", "error"),
    # invalid slot, group, dynamic and marker names
    (["@1x/page.py", "page.py"], "app/@1x", "invalid slot name", "error"),
    (["@/page.py", "page.py"], "app/@", "invalid slot name", "error"),
    (["(.)/page.py"], "app/(.)", "names no route", "error"),
    (["(....)x/page.py"], "app/(....)x", "invalid route group or interception marker", "error"),
    (["[id/page.py"], "app/[id", "invalid dynamic segment", "error"),
    (["a[b]/page.py"], "app/a[b]", "mixes text", "error"),
    (["(.)(@x)/page.py"], "app/(.)(@x)", "must be followed by a URL segment", "error"),
    # an interception marker that climbs above the root
    (["page.py", "(..)photos/page.py"], "app/(..)photos", "climbs 1 level(s) but only 0", "error"),
    (["a/page.py", "a/(..)(..)b/page.py"], "app/a/(..)(..)b", "climbs 2 level(s) but only 1", "error"),
]


@pytest.mark.parametrize(("files", "path", "words", "severity"), CASES)
def test_problem(tmp_path, files, path, words, severity):
    analysis = analyze(write_app(tmp_path / "app", files))
    found = [p for p in analysis.problems if p.path == path and words in p.message]
    assert found, "\n".join(str(p) for p in analysis.problems)
    assert found[0].severity == severity
    assert found[0].fix


SOURCE_CASES = [
    # a file without its function
    ({"page.py": "def pag():\n    return 1\n"}, "app/page.py", "defines no function named page()",
     "add `def page(...)`"),
    # an argument name panes does not know
    ({"page.py": "def page(parms):\n    return 1\n"}, "app/page.py", "unknown argument 'parms'",
     "use one of: action_result, cookies, params, pathname, request, search_params, state"),
    # layouts do not get search_params, and the message says why
    ({"page.py": "", "layout.py": "def layout(children, search_params):\n    return children\n"},
     "app/layout.py", "unknown argument 'search_params'", "layouts do not get search_params"),
    # a layout argument that names no slot folder: a likely typo
    ({"page.py": "", "@team/page.py": "", "layout.py": "def layout(children, teem):\n    return children\n"},
     "app/layout.py", "unknown argument 'teem'", "create the slot folder @teem"),
    # positional-only arguments cannot be passed by name
    ({"page.py": "def page(params, /):\n    return 1\n"}, "app/page.py", "by position", "by name"),
    # an import error names the line
    ({"page.py": "x = 1/0\ndef page():\n    return 1\n"}, "app/page.py",
     "ZeroDivisionError: division by zero at line 1", "fix the error"),
    # both default.py and @children/default.py
    ({"page.py": "", "default.py": "", "@children/default.py": ""}, "app/@children/default.py",
     "default.py and @children/default.py are the same file", "keep only one"),
    # an action that panes would never call: posts would find no action
    *(({"page.py": f"def page():\n    return 1\ndef {name}(form):\n    pass\n"}, "app/page.py",
       f"it defines {name}(), which panes never calls", "rename")
      for name in ("acton", "actions", "Action", "actoin")),
]


def test_a_helper_that_is_not_named_like_an_action_is_no_problem(tmp_path):
    page = ("from os.path import join as actions\ndef page():\n    return 1\n"
            "def action(form):\n    pass\ndef acton():\n    pass\ndef caption():\n    pass\n")
    assert not analyze(write_app(tmp_path / "app", {"page.py": page})).errors


@pytest.mark.parametrize(("files", "path", "words", "fix"), SOURCE_CASES)
def test_source_problem(tmp_path, files, path, words, fix):
    files = {k: v or _default(k) for k, v in files.items()}
    analysis = analyze(write_app(tmp_path / "app", files))
    found = [p for p in analysis.errors if p.path == path and words in p.message]
    assert found, "\n".join(str(p) for p in analysis.problems)
    assert fix in found[0].fix


def _default(rel: str) -> str:
    kind = rel.rsplit("/", 1)[-1].removesuffix(".py")
    return f"def {kind}():\n    return {rel!r}\n"


def test_undeclared_slot_folder_is_a_warning(tmp_path):
    app_dir = write_app(tmp_path / "app", {
        "page.py": _default("page.py"), "@team/page.py": _default("@team/page.py"),
        "@teams/page.py": _default("@teams/page.py"), "layout.py": LAYOUT_TEAM,
    })
    analysis = analyze(app_dir)
    assert not analysis.errors
    [warning] = analysis.warnings
    assert warning.path == "app/@teams" and "never renders" in warning.message
    assert "declare `teams` in app/layout.py" in warning.fix


def test_named_slot_missing_default_names_the_urls(tmp_path):
    app_dir = write_app(tmp_path / "app", {
        "page.py": _default("page.py"), "default.py": _default("default.py"),
        "about/page.py": _default("about/page.py"), "blog/[id]/page.py": _default("x"),
        "@team/page.py": _default("@team/page.py"), "layout.py": LAYOUT_TEAM,
    })
    analysis = analyze(app_dir)
    [warning] = analysis.warnings
    assert warning.path == "app/@team"
    assert "no page and no default.py for /about, /blog/[id]" in warning.message
    assert warning.fix.startswith("add app/@team/default.py")


def test_clean_app_has_no_problems(tmp_path):
    app_dir = write_app(tmp_path / "app", ["layout.py", "page.py", "@team/page.py",
                                           "@team/default.py", "default.py", "x/page.py"])
    assert analyze(app_dir).problems == ()


def test_cli_check_exit_codes(tmp_path, capsys):
    good = write_app(tmp_path / "good", ["page.py", "a/[id]/page.py"])
    assert main(["check", str(good)]) == 0
    assert "ok: 2 routes, 0 warning(s)" in capsys.readouterr().out
    bad = write_app(tmp_path / "bad", ["[id]/page.py", "[slug]/page.py", "@/page.py"])
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("bad/@: error: invalid slot name")
    assert any(line.startswith("bad/[id]: error: bad/[id] and bad/[slug] give") for line in err)
    assert err[-1] == "3 error(s), 0 warning(s)"  # the two pages also collide


def test_servers_refuse_to_start_on_errors(tmp_path, capsys):
    bad = write_app(tmp_path / "app", ["[id]/page.py", "[slug]/page.py"])
    assert main(["start", str(bad), "--port", "1"]) == 1
    assert main(["dev", str(bad), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "not starting" in err and "app/[id] and app/[slug] give one URL segment different parameter names" in err
    with pytest.raises(AppDirError) as info:
        App(bad)
    assert "app/[id] and app/[slug]" in str(info.value)


# (file written beside a page, the special file it looks like); each is a warning naming the fix.
LOOK_ALIKES = [
    ("not-found.py", "not_found.py"),  # Next.js's spelling, in Python
    ("NotFound.py", "not_found.py"),
    ("Loading.py", "loading.py"),  # case
    ("Page.py", "page.py"),
    ("errors.py", "error.py"),  # plurals
    ("pages.py", "page.py"),
    ("defaults.py", "default.py"),
    ("layouts.py", "layout.py"),
    ("defualt.py", "default.py"),  # a typo
    ("page.tsx", "page.py"),  # Next.js files
    ("page.js", "page.py"),
    ("not-found.tsx", "not_found.py"),
    ("layout.html", "layout.py"),  # a template where the function belongs
]


@pytest.mark.parametrize(("name", "meant"), LOOK_ALIKES)
def test_a_file_named_almost_like_a_special_file_is_a_warning(tmp_path, name, meant):
    files = {"x/page.py": _default("x/page.py"), f"x/{name}": "X = 1\n"}
    analysis = analyze(write_app(tmp_path / "app", files))
    [warning] = analysis.problems
    assert (warning.path, warning.severity) == (f"app/x/{name}", "warning")
    assert f"did you mean {meant}?" in warning.message
    assert meant in warning.fix


# Files that are not special and look like none: no warning.
ORDINARY = [
    "helpers.py", "card.py", "models.py", "terror.py",  # modules (first letter differs)
    "_errors.py", "__init__.py",  # private: the way to keep a look-alike
    "layout.css", "page.module.css", "README.md", "data.json",  # not code
    "page.client.tsx",  # more than one extension
]


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_files_are_not_warned_about(tmp_path, name):
    files = {"x/page.py": _default("x/page.py"), f"x/{name}": "X = 1\n"}
    assert analyze(write_app(tmp_path / "app", files)).problems == ()


def test_a_template_beside_its_function_is_not_warned_about(tmp_path):
    files = {"layout.py": LAYOUT_TEAM.replace(", team", ""), "layout.html": "<html></html>",
             "page.py": _default("page.py"), "_ui/page.tsx": "", "_ui/errors.py": "X = 1\n",
             "x/page.py": _default("x/page.py"), "x/page.html": "<p></p>"}
    assert analyze(write_app(tmp_path / "app", files)).problems == ()
