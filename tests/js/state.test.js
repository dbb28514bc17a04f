// The runtime's pure part, run by node (node --test tests/js/*.test.js; tests/test_state_merge.py
// runs it in `make test`): how an answer's records update the state the browser holds, on the
// cases protocol.merge is tested on, and which regions differ between two states.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const panes = require("../../src/panes/static/panes.js");
const fixtures = path.join(__dirname, "..", "fixtures", "state");
const cases = (name) => JSON.parse(fs.readFileSync(path.join(fixtures, name), "utf8")).cases;
const sorted = (ids) => [...ids].sort();

test("node takes only the pure functions: nothing of the browser's runtime runs", () => {
  assert.deepEqual(Object.keys(panes).sort(), ["changed", "merge"]);
});

for (const c of cases("merge.json")) {
  test(`merge: ${c.name}`, () => {
    const state = structuredClone(c.state), update = structuredClone(c.update);
    const next = panes.merge(state, update);
    assert.deepEqual(next, c.expected);
    // a history entry keeps the state it showed: merging never changes it
    assert.deepEqual(state, c.state);
    assert.deepEqual(update, c.update);
    assert.deepEqual(sorted(panes.changed(next, state)), sorted(c.back), "Back swaps these");
  });
}

for (const c of cases("changed.json")) {
  test(`changed: ${c.name}`, () => {
    assert.deepEqual(sorted(panes.changed(c.from, c.to)), sorted(c.expected));
    assert.deepEqual(sorted(panes.changed(c.to, c.from)), sorted(c.expected), "Forward swaps the same");
  });
}
