"""What ``panes routes`` prints: the route table, and one URL explained slot by slot."""

from __future__ import annotations

from panes.appdir.check import Analysis, declared_leaves
from panes.core.match import Matcher, split_path
from panes.core.plan import Leaf
from panes.core.routes import pattern_path
from panes.http.handlers import RouteHandlers


def _cell(leaf: Leaf, app: str) -> str:
    if leaf.kind == "missing":
        return "404"
    if leaf.kind == "empty":
        return "-"
    return f"{app}/{leaf.file}" if leaf.file else "(built-in 404)"


def _path(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0] or "/"


def route_table(analysis: Analysis) -> str:
    """Every URL pattern × every slot → the file that renders there on a hard load."""
    app = analysis.app_dir.name
    rows: list[dict[str, str]] = []
    columns: dict[str, None] = {"children": None}
    for route in analysis.routes:
        row = {"URL": route.path}
        for label, leaf in declared_leaves(route.plan, analysis.loaded):
            column = label if label == "children" else f"{app}/{label}"
            columns.setdefault(column)
            row[column] = _cell(leaf, app)
        rows.append(row)
    if not rows and not analysis.handlers:
        return f"no routes: add {app}/page.py"
    lines: list[str] = []
    if rows:
        lines += _columns(["URL", *columns], rows)
        lines.append("")
        lines.append("Cells are the file each slot renders on a hard load; 404: the URL is not "
                     "found because that slot has no page and no default.py.")
    if analysis.handlers:
        if lines:
            lines.append("")
        lines.append("Route handlers (route.py):")
        handler_rows = [{"URL": h.path, "methods": _methods(analysis, h.file),
                         "file": f"{app}/{h.file}"} for h in analysis.handlers]
        lines += ["  " + line for line in _columns(["URL", "methods", "file"], handler_rows)]
    if analysis.interceptions:
        lines.append("")
        lines.append("Intercepted on soft navigation (a hard load renders the page above):")
        for item in analysis.interceptions:
            pages = [leaf.file for _, leaf in declared_leaves(item.plan, analysis.loaded)
                     if leaf.kind == "page"]
            target, origin = pattern_path(item.intercepted), pattern_path(item.intercepting)
            lines.append(f"  {target} from {origin} and below -> "
                         f"{', '.join(f'{app}/{p}' for p in pages)}")
    return "\n".join(lines)


def _columns(header: list[str], rows: list[dict[str, str]]) -> list[str]:
    widths = {h: max(len(h), *(len(r.get(h, "")) for r in rows)) for h in header}
    lines = ["  ".join(h.ljust(widths[h]) for h in header).rstrip()]
    lines.append("  ".join("-" * widths[h] for h in header))
    for row in rows:
        lines.append("  ".join(row.get(h, "").ljust(widths[h]) for h in header).rstrip())
    return lines


def _methods(analysis: Analysis, file: str) -> str:
    found = analysis.loaded.handlers.get(file)
    return RouteHandlers.from_functions(file, found[0]).allow if found is not None else "?"


def explain_url(analysis: Analysis, url: str, origin: str | None = None) -> str:
    """Which route serves ``url``, and for each slot the file chosen and why; with ``origin``,
    for a soft navigation from that URL (which an interception route may intercept)."""
    app = analysis.app_dir.name
    path = _path(url)
    segments = split_path(path)
    if origin is not None:
        background = split_path(_path(origin))
        item = Matcher(analysis.routes, analysis.interceptions).intercept(segments, background)
        if item is None:
            return (f"{path} from {_path(origin)}: not intercepted; a soft navigation renders "
                    "what a hard load does, and slots without a match keep what they show\n"
                    + explain_url(analysis, url))
        bound = item.segments(segments, background)
        lines = [f"{path} from {_path(origin)}: intercepted by {app}/{item.folder.path} "
                 f"(it intercepts {pattern_path(item.intercepted)} from "
                 f"{pattern_path(item.intercepting)} and below)"]
        for label, leaf in declared_leaves(item.plan, analysis.loaded):
            if leaf.kind == "page":
                params = leaf.params.bind(bound)
                lines.append(f"  {label}  {_cell(leaf, app)}" + (f"  params={params}" if params
                                                                   else ""))
        lines.append("  every other slot keeps what it shows")
        return "\n".join(lines)
    matcher = Matcher(analysis.routes, (), analysis.handlers)
    handler = matcher.handler(segments)
    if handler is not None:
        params = handler.params
        return (f"{path}: route handler {app}/{handler.route.file} "
                f"({_methods(analysis, handler.route.file)})"
                + (f"  params={params}" if params else ""))
    found = matcher.match(segments)
    if found is None:
        not_found = analysis.root.files.get("not_found")
        shown = f"{app}/{not_found}" if not_found else "panes's built-in 404 page"
        return f"{path}: no route serves this URL; {shown} renders, status 404"
    lines = [f"{path}: route {found.route.path}"]
    leaves = list(declared_leaves(found.plan, analysis.loaded))
    width = max(len(label) for label, _ in leaves)
    statuses = []
    for label, leaf in leaves:
        params = leaf.params.bind(found.segments)
        shown = _cell(leaf, app) + (f"  params={params}" if params else "")
        lines.append(f"  {label.ljust(width)}  {shown}")
        lines.append(f"  {' ' * width}  ({leaf.why})")
        if leaf.kind == "missing":
            statuses.append(label)
    if statuses:
        lines.append(f"status 404: {', '.join(statuses)} has nothing to show on a hard load")
    return "\n".join(lines)
