"""What ``panes dev`` shows of an error: the overlay over the page (its frames, the user's own
first, with their source lines), the terminal's short traceback, and the dev-only warnings.

Nothing here runs under ``panes start``: the renderer and the App call it only when the app is
built with ``dev=True``.
"""

from __future__ import annotations

import contextlib
import linecache
import logging
import os
import sysconfig
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import escape

from panes.appdir.loader import UserFunction, slot_argument
from panes.core import protocol
from panes.core.errors import Problem
from panes.core.plan import Branch, Outcome
from panes.core.tree import CHILDREN

logger = logging.getLogger("panes")

#: The header of a soft navigation's answer that carries the overlay (the dev script shows it).
ERROR_HEADER = "panes-dev-error"


# -- errors -----------------------------------------------------------------------------------


_PANES_DIR = str(Path(__file__).resolve().parent.parent) + os.sep
_LIBRARY_DIRS = tuple({str(Path(p).resolve()) + os.sep for p in (
    sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
    sysconfig.get_paths()["platlib"]) if p})


def is_user_frame(filename: str) -> bool:
    """A frame of the user's code: not panes's, not the standard library's, not a package's."""
    if filename.startswith("<"):
        return False
    try:
        path = str(Path(filename).resolve())
    except OSError:
        return False
    return not path.startswith(_PANES_DIR) and not path.startswith(_LIBRARY_DIRS) and (
        "site-packages" not in path)


@dataclass(frozen=True, slots=True)
class Frame:
    file: str
    line: int
    function: str
    code: str
    user: bool


@dataclass(frozen=True, slots=True)
class Report:
    """One error as the overlay and the terminal show it."""

    title: str  # "ZeroDivisionError: division by zero"
    frames: tuple[Frame, ...]  # outermost first
    where: Frame | None  # the user's line it happened at
    context: tuple[tuple[int, str], ...]  # numbered lines around it
    hint: str = ""

    @property
    def user_frames(self) -> tuple[Frame, ...]:
        return tuple(f for f in self.frames if f.user)


def _show(path: str) -> str:
    """A path as the user would type it: relative to the current directory when below it."""
    with contextlib.suppress(ValueError, OSError):
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    return path


def report(exc: BaseException, hint: str = "") -> Report:
    """What to show of ``exc``: its message, the user's line with code around it, and the
    traceback with the user's frames marked (the others are folded)."""
    frames = tuple(
        Frame(_show(f.filename), f.lineno or 0, f.name, (f.line or "").strip(),
              is_user_frame(f.filename))
        for f in traceback.extract_tb(exc.__traceback__))
    title = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
    where: Frame | None = None
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        where = Frame(_show(exc.filename), exc.lineno, "<module>", (exc.text or "").strip(),
                      True)
        title = f"{type(exc).__name__}: {exc.msg}"
    else:
        user = [f for f in frames if f.user]
        where = user[-1] if user else None
    context: tuple[tuple[int, str], ...] = ()
    if where is not None:
        context = code_around(where.file, where.line)
    return Report(title, frames, where, context, hint)


def code_around(file: str, line: int, around: int = 3) -> tuple[tuple[int, str], ...]:
    path = file if os.path.isabs(file) else str(Path.cwd() / file)
    linecache.checkcache(path)
    lines = linecache.getlines(path)
    first, last = max(1, line - around), min(len(lines), line + around)
    return tuple((n, lines[n - 1].rstrip("\n")) for n in range(first, last + 1))


def problem_reports(problems: Iterable[Problem]) -> list[tuple[Problem, Report | None]]:
    return [(p, report(p.cause) if p.cause is not None else None) for p in problems]


def short(rep: Report) -> str:
    """The terminal's version: the message, the user's frames, the code line."""
    out = [rep.title]
    for f in rep.user_frames:
        out.append(f"  {f.file}:{f.line} in {f.function}")
        if f.code:
            out.append(f"      {f.code}")
    if rep.where is not None and rep.where not in rep.user_frames:
        out.append(f"  {rep.where.file}:{rep.where.line}")
        if rep.where.code:
            out.append(f"      {rep.where.code}")
    folded = len(rep.frames) - len(rep.user_frames)
    if folded:
        out.append(f"  ({folded} frames of panes and libraries folded)")
    if rep.hint:
        out.append(f"  {rep.hint}")
    return "\n".join(out)


class ShortTracebacks(logging.Formatter):
    """Under ``panes dev`` the terminal shows a traceback as the overlay does, short."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        exc = ei[1]
        if not isinstance(exc, BaseException):
            return super().formatException(ei)
        return short(report(exc))


def install_logging() -> None:
    """Short tracebacks on the handlers of the root logger (set up by the server)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        fmt = handler.formatter._fmt if handler.formatter else None  # noqa: SLF001
        handler.setFormatter(ShortTracebacks(fmt))


# -- the overlay ------------------------------------------------------------------------------


_OVERLAY_STYLE = """
.po{font:14px/1.5 ui-sans-serif,system-ui,sans-serif;color:#e8e8e8;background:#1b1b1f;
 padding:24px 28px;max-width:960px;margin:0 auto;box-sizing:border-box}
.po h1{font-size:13px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:#ff8c8c;
 margin:0 0 6px}
.po h2{font:600 18px/1.4 ui-monospace,Menlo,Consolas,monospace;color:#fff;margin:0 0 14px;
 white-space:pre-wrap;word-break:break-word}
.po .at{color:#b8b8c0;margin:0 0 8px;font:13px ui-monospace,Menlo,Consolas,monospace}
.po pre{background:#111114;border-radius:6px;padding:10px 0;overflow:auto;margin:0 0 16px;
 font:13px/1.6 ui-monospace,Menlo,Consolas,monospace}
.po pre span{display:block;padding:0 14px;white-space:pre}
.po pre .hl{background:#4a1d22;color:#fff}
.po pre i{color:#6c6c78;font-style:normal;display:inline-block;min-width:3.5em}
.po ol{list-style:none;padding:0;margin:0 0 12px;font:13px ui-monospace,Menlo,Consolas,monospace}
.po li{padding:3px 0}.po li b{color:#fff;font-weight:600}.po li code{color:#9aa0ff}
.po details{color:#9a9aa6;font:13px ui-monospace,Menlo,Consolas,monospace}
.po summary{cursor:pointer;margin-bottom:6px}
.po .hint{background:#2a2a33;border-left:3px solid #ff8c8c;padding:8px 12px;margin:0 0 16px}
.po .foot{color:#8a8a96;font-size:12px;margin-top:18px}
.po h3{font-size:12px;color:#9a9aa6;text-transform:uppercase;letter-spacing:.05em;margin:14px 0 6px}
"""


def _code(context: Iterable[tuple[int, str]], line: int) -> str:
    rows = "".join(
        f'<span{" class=hl" if n == line else ""}><i>{"&gt;" if n == line else " "} {n}</i>'
        f"{escape(text)}</span>" for n, text in context)
    return f"<pre>{rows}</pre>"


def _report_html(rep: Report) -> str:
    parts = [f"<h2>{escape(rep.title)}</h2>"]
    if rep.hint:
        parts.append(f'<p class="hint">{escape(rep.hint)}</p>')
    if rep.where is not None:
        parts.append(f'<p class="at">{escape(rep.where.file)}, line {rep.where.line}'
                     + (f", in {escape(rep.where.function)}()"
                        if rep.where.function != "<module>" else "") + "</p>")
        if rep.context:
            parts.append(_code(rep.context, rep.where.line))
    user = rep.user_frames
    if user:
        parts.append("<h3>Your code</h3><ol>" + "".join(
            f"<li><b>{escape(f.file)}:{f.line}</b> in {escape(f.function)}"
            + (f"<br><code>{escape(f.code)}</code>" if f.code else "") + "</li>"
            for f in reversed(user)) + "</ol>")
    others = len(rep.frames) - len(user)
    if rep.frames:
        rows = "\n".join(f"{'→ ' if f.user else '  '}{f.file}:{f.line} in {f.function}"
                         + (f"\n      {f.code}" if f.code else "") for f in rep.frames)
        label = (f"Traceback ({others} frames of panes and libraries folded: open it for "
                 "all)" if others else "Traceback")
        parts.append(f"<details><summary>{escape(label)}</summary>"
                     f"<pre><span>{escape(rows)}</span></pre></details>")
    return "".join(parts)


def overlay_html(exc: BaseException | None = None, *, title: str = "Unhandled error",
                 problems: Iterable[Problem] = ()) -> str:
    """The overlay's content (a fragment with its own style): an exception's report, or the
    problems of an app directory that ``panes check`` refuses."""
    body = [f"<h1>{escape(title)}</h1>"]
    if exc is not None:
        body.append(_report_html(report(exc)))
    for problem, rep in problem_reports(problems):
        if rep is None:
            body.append(f"<h2>{escape(problem.path)}</h2><p class=hint>{escape(problem.message)}"
                        f". Fix: {escape(problem.fix)}.</p>")
        else:
            body.append(f"<p class=at>{escape(problem.path)}: {escape(problem.message)}</p>")
            body.append(_report_html(rep))
    body.append('<p class="foot">panes dev: this page updates by itself once you save a fix.'
                "</p>")
    return (f"<style>{_OVERLAY_STYLE}</style><div class=po role=alert data-panes-overlay>"
            + "".join(body) + "</div>")


def overlay_document(status: int, exc: BaseException | None = None, *,
                     title: str = "Unhandled error", problems: Iterable[Problem] = ()) -> str:
    """A whole page holding the overlay (the dev script is added by :class:`DevTools`)."""
    head = escape(f"{status}: {title}")
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{head}</title></head><body style=\"margin:0;background:#1b1b1f\">"
            + overlay_html(exc, title=title, problems=problems) + "</body></html>")


def error_answer(overlay: str) -> tuple[str, dict[str, str]]:
    """The answer to a soft navigation or restore that failed under ``panes dev``: an empty
    ``state`` record (the runtime keeps what it shows) with the overlay in ``error``."""
    record = protocol.dumps({"t": "state", "error": overlay}) + "\n"
    return record, {ERROR_HEADER: "1", "cache-control": "no-store"}


def terminal(exc: BaseException, what: str) -> None:
    """The terminal's short report of an error the overlay shows."""
    logger.error("%s\n%s", what, short(report(exc)))


# -- dev warnings -----------------------------------------------------------------------------

_warned: set[tuple[str, str, str]] = set()


def warn_unplaced(layout: str, slot: str, page: str, url: str) -> None:
    """A layout declared a slot that has a page for the URL, and did not place it: the slot is
    not shown (and never runs). Logged once per layout, slot and page."""
    key = (layout, slot, page)
    if key in _warned:
        return
    _warned.add(key)
    logger.warning(
        "%s: layout() declares the slot %r, which has a page for %s (%s), but did not place "
        "it: nothing of it is shown. Fix: put %s in what layout() returns (e.g. "
        "html[body[children, %s]]), or, if leaving it out is on purpose (a slot for admins "
        "only), ignore this warning.", layout, slot, url, page, slot, slot)


def warn_unplaced_slots(fn: UserFunction, app_name: str, layout: str, branch: Branch,
                        placeholders: Mapping[str, str], html: str, url: str) -> None:
    """A slot the layout declared, that has a page here, and that it left out (a typo in the
    markup, a forgotten ``modal``) is a warning naming both."""
    for key, placeholder in placeholders.items():
        declared = fn.takes_all or (CHILDREN if key == CHILDREN else slot_argument(key)) \
            in fn.wants
        if not declared or placeholder in html:
            continue
        page = _page_of(branch.slots[key])
        if page is not None:
            warn_unplaced(f"{app_name}/{layout}", slot_argument(key), f"{app_name}/{page}", url)


def _page_of(outcome: Outcome) -> str | None:
    """The page a slot's outcome shows (following its children), if it shows one."""
    while isinstance(outcome, Branch):
        if CHILDREN not in outcome.slots:
            return None
        outcome = outcome.slots[CHILDREN]
    return outcome.file if outcome.kind == "page" else None
