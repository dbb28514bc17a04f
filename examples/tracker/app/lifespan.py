"""The tracker's data: a few issues in memory, shared by every function as ``state["store"]``."""

from __future__ import annotations

import random
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

STATUSES = ("open", "in progress", "closed")


@dataclass
class Issue:
    key: int
    title: str
    status: str = "open"
    activity: list[int] = field(default_factory=list)  # comments per day, last 14 days


class Store:
    def __init__(self) -> None:
        titles = ["Login page is slow", "Chart labels overlap", "Export to CSV",
                  "Dark mode", "Search ignores accents"]
        rnd = random.Random(7)
        self.issues = {n: Issue(n, t, STATUSES[n % 2], [rnd.randint(0, 9) for _ in range(14)])
                       for n, t in enumerate(titles, 1)}

    def add(self, title: str) -> Issue:
        issue = Issue(max(self.issues) + 1, title, activity=[0] * 13 + [1])
        self.issues[issue.key] = issue
        return issue


@asynccontextmanager
async def lifespan(app):
    yield {"store": Store()}
