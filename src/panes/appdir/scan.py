"""The only module that reads the app directory: folders and file names become a :class:`Node` tree.

Scanning never imports user code (that is :mod:`panes.appdir.loader`) and never fails: every folder
that breaks a convention becomes a :class:`Problem` and is left out of the tree.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from panes.core.errors import Problem, ref
from panes.core.segments import ROOT, Kind, Segment, SegmentError, parse_segment
from panes.core.tree import FILE_KINDS, Node


@dataclass(frozen=True, slots=True)
class ScanResult:
    root: Node
    problems: tuple[Problem, ...]


def scan(app_dir: str | os.PathLike[str]) -> ScanResult:
    """Read ``app_dir`` into a route tree, collecting the problems of its folder names."""
    base = Path(app_dir)
    problems: list[Problem] = []
    if not base.is_dir():
        problems.append(
            Problem(str(base), "the app directory does not exist", "create it, or pass its path")
        )
        return ScanResult(Node("", ROOT), tuple(problems))
    root = _scan_folder(base, "", ROOT, problems)
    return ScanResult(root, tuple(problems))


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _listing(folder: Path) -> tuple[list[str], list[str]]:
    """File names and folder names directly in ``folder``, sorted."""
    files, folders = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_dir():
                folders.append(entry.name)
            elif entry.is_file():
                files.append(entry.name)
    return sorted(files), sorted(folders)


def _scan_folder(folder: Path, rel: str, segment: Segment, problems: list[Problem]) -> Node:
    files: dict[str, str] = {}
    children: list[Node] = []
    slots: dict[str, Node] = {}
    # An @children folder is the folder itself: its contents merge into this node.
    sources = [(folder, rel)]
    if (folder / "@children").is_dir():
        sources.append((folder / "@children", _join(rel, "@children")))
    for source, source_rel in sources:
        names, folders = _listing(source)
        for name in names:
            stem, dot, ext = name.partition(".")
            if ext != "py" or stem not in FILE_KINDS:
                look_alike = _look_alike(name, names)
                if look_alike is not None:
                    problems.append(Problem(_join(source_rel, name), *look_alike, "warning"))
                continue
            path = _join(source_rel, name)
            if FILE_KINDS[stem].root_only and source_rel:
                problems.append(Problem(
                    path, f"{name} works only at the root of the app directory "
                    "(it runs around every request), so panes ignores this one",
                    "move it into the app directory itself, beside the root layout.py",
                    "warning"))
                continue
            if stem in files:
                problems.append(_duplicate_file(files[stem], path, stem))
                continue
            files[stem] = path
        for name in folders:
            if source is folder and name == "@children":
                continue
            child_rel = _join(source_rel, name)
            try:
                child_segment = parse_segment(name)
            except SegmentError as exc:
                problems.append(Problem(child_rel, exc.problem, exc.fix))
                continue
            if child_segment.kind is Kind.PRIVATE:
                continue
            node = _scan_folder(source / name, child_rel, child_segment, problems)
            if child_segment.kind is Kind.SLOT:
                if child_segment.value in slots:
                    problems.append(
                        Problem(child_rel, f"slot @{child_segment.value} is defined twice",
                                "keep one of the two folders")
                    )
                    continue
                slots[child_segment.value] = node
            else:
                children.append(node)
    return Node(rel, segment, MappingProxyType(files), tuple(children), MappingProxyType(slots))


def _duplicate_file(first: str, second: str, kind: str) -> Problem:
    if kind == "default":
        return Problem(
            second,
            "default.py and @children/default.py are the same file "
            f"({ref(first)} and {ref(second)})",
            "keep only one of them",
        )
    return Problem(second, f"{kind}.py is defined twice ({ref(first)} and {ref(second)})",
                   "keep only one")


#: Extensions of files that someone may have meant as a special file: Next.js's, and templates'
#: (a template beside the .py file that renders it is fine).
_NEXT_EXTENSIONS = frozenset({"js", "jsx", "ts", "tsx", "mjs", "cjs", "mdx"})
_TEMPLATE_EXTENSIONS = frozenset({"html", "htm", "jinja", "jinja2", "j2"})


def _look_alike(name: str, siblings: list[str]) -> tuple[str, str] | None:
    """The message and fix for a file named almost like a special file (``Page.py``,
    ``not-found.py``, ``errors.py``, ``page.tsx``, ``layout.html``), which panes would silently
    ignore; None for every other name. Names starting with ``_`` are private, never warned."""
    stem, _, ext = name.partition(".")
    if name.startswith("_") or "." in ext:
        return None
    wanted = stem.lower().replace("-", "_")
    if ext == "py":
        if stem in FILE_KINDS:
            return None
        close = difflib.get_close_matches(wanted, FILE_KINDS, n=1, cutoff=0.8)
        if not close or close[0][0] != wanted[:1]:
            return None  # typos rarely hit the first letter: terror.py is a module
        kind = close[0]
        why = ("special file names are lowercase, with _ between words"
               if wanted == kind else f"{name} is not a special file name")
        return (f"{why}, so panes ignores this file (did you mean {kind}.py?)",
                f"rename it to {kind}.py, or start its name with _ if it is a helper module")
    if wanted not in FILE_KINDS:
        return None
    if ext.lower() in _TEMPLATE_EXTENSIONS and f"{wanted}.py" in siblings:
        return None  # the template of the function beside it
    if ext.lower() not in _NEXT_EXTENSIONS | _TEMPLATE_EXTENSIONS:
        return None
    kind = wanted
    return (f"panes reads {kind}.py, a Python function {kind}(), not {name}, "
            f"so it ignores this file (did you mean {kind}.py?)",
            f"write it as {kind}.py with a function {kind}() that returns the markup")
