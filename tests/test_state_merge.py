"""How an answer's records update the navigation state: the server's ``protocol.merge`` and the
runtime's ``merge`` (panes.js, run by node) on the same cases (tests/fixtures/state), so that
the state the runtime sends back is the one the server expects it to hold."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from panes.core import protocol

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures" / "state"


def cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())["cases"]
    return cases


MERGE = cases("merge.json")


@pytest.mark.parametrize("case", MERGE, ids=[c["name"] for c in MERGE])
def test_protocol_merge_gives_the_state_each_case_expects(case: dict[str, Any]) -> None:
    state, update = copy.deepcopy(case["state"]), copy.deepcopy(case["update"])
    assert protocol.merge(state, update) == case["expected"]
    assert (state, update) == (case["state"], case["update"])  # a state held elsewhere stays


def test_the_cases_cover_what_an_answer_can_do() -> None:
    """A case for each way an answer updates the state, so neither side can drift unseen."""
    updates = [c["update"] for c in MERGE]
    assert {u["t"] for u in updates} == {"patch", "state"}
    assert any(u.get("partial") for u in updates)  # a prefetch's loading UI
    assert any(v is None for u in updates for v in u.get("regions", {}).values())  # removed
    assert any(v is None for u in updates for v in u.get("urls", {}).values())
    assert any(u.get(k, 0) is None for u in updates for k in protocol.FIELDS)  # a field dropped
    assert any(set(u) - {*protocol.FIELDS, "urls", "regions"} - {"t", "swap", "n", "html", "head"}
               for u in updates)  # keys that are not state


def test_the_runtime_passes_its_node_tests() -> None:
    """tests/js/*.test.js run with Debian's node (``make test`` installs it): panes.js's merge on
    the same cases, and which regions Back swaps."""
    node = shutil.which("node")
    assert node, ("node is not installed: the runtime's tests in tests/js need it "
                  "(`make test` installs Debian's nodejs: apt-get install nodejs)")
    files = sorted(str(p) for p in (TESTS / "js").glob("*.test.js"))
    assert files, "no tests/js/*.test.js"
    run = subprocess.run([node, "--test", "--test-reporter=tap", *files], capture_output=True,
                         text=True, timeout=120, cwd=TESTS.parent)
    assert run.returncode == 0, f"node --test failed:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    passed = re.search(r"^# pass (\d+)$", run.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) > len(MERGE), run.stdout[-2000:]
