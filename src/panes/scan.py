"""The only module that reads the app directory: folders and file names become a :class:`Node` tree.

Scanning never imports user code (that is :mod:`panes.loader`) and never fails: every folder
that breaks a convention becomes a :class:`Problem` and is left out of the tree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from .errors import Problem, ref
from .segments import ROOT, Kind, Segment, SegmentError, parse_segment
from .tree import FILE_KINDS, Node


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
                continue
            path = _join(source_rel, name)
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
