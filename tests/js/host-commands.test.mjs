// Commands from a course page (web/js/embed/host-commands.js): only exact shapes are taken.

import assert from "node:assert/strict";
import { test } from "node:test";

import { readCommand } from "../../web/js/embed/host-commands.js";

const host = (fields) => ({ source: "scratchnet-host", ...fields });

test("someone else's messages are not commands", () => {
  for (const data of [null, "train", { type: "train" }, { source: "other", type: "train" }, [1, 2]]) {
    assert.equal(readCommand(data), null);
  }
});

test("the simple commands are taken as they are", () => {
  for (const type of ["hello", "train", "stop", "reset"]) assert.deepEqual(readCommand(host({ type })), { command: { type } });
});

test("a command of an unknown type, or with an unknown field, is refused in words", () => {
  assert.match(readCommand(host({ type: "format" })).error, /"format" is not a command/);
  assert.match(readCommand(host({ type: "train", epochs: 3 })).error, /a "train" command has no "epochs"/);
});

test("set takes settings by name, with plain values only", () => {
  assert.deepEqual(readCommand(host({ type: "set", settings: { learning_rate: 0.1, hidden_sizes: [64] } })),
    { command: { type: "set", settings: { learning_rate: 0.1, hidden_sizes: [64] } } });
  assert.ok(readCommand(host({ type: "set", settings: {} })).error);
  assert.ok(readCommand(host({ type: "set", settings: { learning_rate: Number.NaN } })).error);
  assert.ok(readCommand(host({ type: "set", settings: { learning_rate: { value: 1 } } })).error);
  assert.ok(readCommand(host({ type: "set", settings: [1] })).error);
});

test("lesson takes a lesson's name or a document, and a step", () => {
  assert.deepEqual(readCommand(host({ type: "lesson", name: "journey" })), { command: { type: "lesson", name: "journey", step: 0 } });
  assert.ok(readCommand(host({ type: "lesson", name: "../etc" })).error);
  assert.ok(readCommand(host({ type: "lesson", name: "journey", step: -1 })).error);
  assert.ok(readCommand(host({ type: "lesson" })).error);
});
