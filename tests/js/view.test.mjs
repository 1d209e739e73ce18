// What a link asks the page to show (web/js/state/view.js): panels, hidden parts, locks, embedding.

import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultView, readView, viewToParams } from "../../web/js/state/view.js";

test("an empty link asks for the whole page", () => {
  const { view, problems } = readView("");
  assert.deepEqual(view, defaultView());
  assert.deepEqual(problems, []);
});

test("a view goes into a link and comes back the same", () => {
  const { view } = readView("#embed=1&panels=draw,train&hide=share&lock=learning_rate");
  assert.equal(view.embed, true);
  assert.deepEqual(view.panels, ["draw", "train"]);
  const again = readView(`#${viewToParams(view).toString()}`).view;
  assert.deepEqual(again, view);
});

test("unknown panels and repeated keys are refused with a reason each", () => {
  const { problems } = readView("#panels=draw,nope&embed=1&embed=1");
  assert.ok(problems.length >= 2, JSON.stringify(problems));
  assert.ok(problems.some((p) => /nope/.test(p)));
});
