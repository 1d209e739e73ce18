// A chunk trained by several workers comes back in several answers (web/js/training/data-parallel.js):
// their "progress" events are folded into one, as Python folds a chunk's batches.

import assert from "node:assert/strict";
import { test } from "node:test";

import { mergeProgress } from "../../web/js/training/data-parallel.js";

const progress = (fields) => ({ type: "progress", batches_in_chunk: 1, activations: null, ...fields });

test("progress events are folded into one: sums, weighted means, samples/s from the time they took", () => {
  const events = [
    progress({ step: 1, loss: 2, accuracy: 0.1, samples: 32, samples_per_sec: 320, activations: { a: 1 } }),
    { type: "epoch", epoch: 1 },
    progress({ step: 4, loss: 1, accuracy: 0.5, samples: 96, samples_per_sec: 480, batches_in_chunk: 3 }),
  ];
  const [merged, ...rest] = mergeProgress(events);
  assert.deepEqual(rest, [{ type: "epoch", epoch: 1 }]);
  assert.equal(merged.step, 4);
  assert.equal(merged.samples, 128);
  assert.equal(merged.batches_in_chunk, 4);
  assert.equal(merged.loss, (2 + 3 * 1) / 4);
  assert.equal(merged.accuracy, (0.1 + 3 * 0.5) / 4);
  assert.equal(merged.samples_per_sec, 128 / (32 / 320 + 96 / 480));
  assert.deepEqual(merged.activations, { a: 1 });
});

test("one progress event or none is left as it is", () => {
  const one = [progress({ step: 1, loss: 1, accuracy: 1, samples: 8, samples_per_sec: 80 })];
  assert.deepEqual(mergeProgress(one), one);
  assert.deepEqual(mergeProgress([]), []);
});
