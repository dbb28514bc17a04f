"""The client runtime as served: its size budget, the one the README states."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from panes.render import client

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_runtime_stays_within_the_budget_the_readme_states():
    stated = re.search(r"client runtime[^.]*?under ([\d,]+) bytes gzipped", README.read_text(),
                       re.IGNORECASE | re.DOTALL)
    assert stated, "the README states the runtime's size budget"
    assert int(stated.group(1).replace(",", "")) == client.BUDGET
    assert len(gzip.compress(client.source(), 9)) <= client.BUDGET


def test_comments_are_left_out_as_served_and_code_is_not():
    served = client.source().decode()
    assert "// " not in served.replace("://", "")
    assert "function swap(id, content, leftId) {" in served
