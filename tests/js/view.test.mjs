// What a link asks the page to show (web/js/state/view.js): panels, hidden parts, locks, embedding.

import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultView, readView, VIEW_NAMES, viewToParams } from "../../web/js/state/view.js";

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

test("view= names one of the full page's views, and round-trips", () => {
  for (const name of VIEW_NAMES) {
    const { view, problems } = readView(`#view=${name}&epochs=3`);
    assert.equal(view.name, name);
    assert.deepEqual(problems, []);
    assert.equal(viewToParams(view).get("view"), name);
  }
  assert.deepEqual(VIEW_NAMES, ["draw", "train", "inside", "build", "lessons", "playground"]);
});

test("an unknown view is named in the refusal, and none is chosen", () => {
  const { view, problems } = readView("#view=../draw");
  assert.equal(view.name, "");
  assert.equal(problems.length, 1);
  assert.match(problems[0], /view="\.\.\/draw"/);
  assert.match(problems[0], /draw, train, inside, build, lessons, playground/);
  assert.equal(readView("#view=train&view=draw").view.name, ""); // given twice: neither is used
});

test("an embedded widget's link carries no view", () => {
  const view = { ...readView("#view=train").view, embed: true };
  assert.equal(viewToParams(view).has("view"), false);
});
