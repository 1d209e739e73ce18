// Making a memory snapshot of Python later, at idle (see runtime.js): once the app's worker has
// been idle a while, a fresh worker (snapshot-worker.js) boots Python, imports NumPy and stores
// the snapshot; if the learner starts training meanwhile, the maker gives the CPU back and tries
// again at the next idle spell. Several widgets on one page make it one at a time.

import { countFailure, failures, hasSnapshot } from "./snapshot-store.js";

const IDLE_MS = 2000; // this worker's event loop free this long before a snapshot is made
const MAX_FAILURES = 2; // failed restores or makings of one key in a row before no more are made
const MAX_STOPS = 2; // times the maker gives way to a busy app before it finishes regardless
const LOCK_NAME = "scratchnet-python-snapshot"; // several widgets on a page: one makes it, at a time

const message = (err) => String(err && err.message ? err.message : err);

/** Calls `onCheck(late)` every `tick` ms with how many ms late its timer fired: a timer fires late
 * when a Python call (the first evaluation, a chunk of training) holds this worker's event loop.
 * `onCheck` returns true to stop. Returns a function that stops it. */
function watchLoop(onCheck, tick = 100) {
  let due = performance.now() + tick;
  let timer;
  const check = () => {
    const now = performance.now();
    const late = Math.max(0, now - due);
    due = now + tick;
    if (!onCheck(late)) timer = setTimeout(check, tick);
  };
  timer = setTimeout(check, tick);
  return () => clearTimeout(timer);
}

/** Resolves once this worker's event loop has been free (no timer 50 ms late) for `ms` in a row. */
function idle(ms) {
  return new Promise((resolve) => {
    let quietSince = performance.now();
    watchLoop((late) => {
      if (late > 50) quietSince = performance.now();
      const quiet = performance.now() - quietSince >= ms;
      if (quiet) resolve();
      return quiet;
    });
  });
}

/** Calls `onBusy` once this worker's event loop has been held for a quarter of the last second (as
 * training in 80 ms chunks holds it), not by a stroke's classification, a pause for garbage
 * collection or the odd late timer of a loaded machine. Returns a function that stops watching. */
function whenBusy(onBusy) {
  const recent = []; // [time, ms late] over the last second
  return watchLoop((late) => {
    const now = performance.now();
    recent.push([now, late]);
    while (recent[0][0] < now - 1000) recent.shift();
    const busy = recent.reduce((sum, [, ms]) => sum + ms, 0) > 250;
    if (busy) onBusy();
    return busy;
  });
}

/** Once this worker is idle, makes and stores a snapshot in a fresh worker; resolves to what happened.
 * If this worker gets busy meanwhile (the learner trains), the maker is stopped, to give the CPU
 * back, and started again at the next idle spell (at most MAX_STOPS times). */
export async function makeSnapshotWhenIdle(site, errors) {
  try {
    if ((await failures(site.slot, site.key)) >= MAX_FAILURES) return "not made: snapshots of this build failed before";
    for (let restarts = 0; ; restarts++) {
      await idle(IDLE_MS);
      const make = async () => {
        if (await hasSnapshot(site.slot, site.key)) return "stored already";
        const maker = inFreshWorker(site);
        // Past MAX_STOPS (a learner who keeps training, or a machine too loaded to tell) it runs to the end.
        const stopWatching = restarts < MAX_STOPS ? whenBusy(maker.stop) : () => {};
        try {
          return await maker.done;
        } finally {
          stopWatching();
        }
      };
      const made = await (navigator.locks ? navigator.locks.request(LOCK_NAME, make) : make());
      if (made) return restarts ? `${made} (after ${restarts} restart${restarts > 1 ? "s" : ""})` : made;
    }
  } catch (err) {
    errors.push(`no snapshot was made: ${message(err)}`);
    console.warn(`ScratchNet: no Python snapshot was made (${message(err)}).`);
    await countFailure(site.slot, site.key).catch(() => {});
    return `failed: ${message(err)}`;
  }
}

/** {done, stop}: `done` resolves to what the maker did, or to null if stop() ended it first. */
function inFreshWorker(site) {
  const worker = new Worker(new URL("./snapshot-worker.js", import.meta.url), { type: "module", name: "scratchnet-snapshot" });
  let stop;
  const done = new Promise((resolve, reject) => {
    stop = () => resolve(null);
    worker.onmessage = ({ data }) => (data.ok ? resolve(`stored: ${JSON.stringify(data.made)}`) : reject(new Error(data.error)));
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message || "the snapshot worker could not start"));
    };
    worker.postMessage(site);
  }).finally(() => worker.terminate());
  return { done, stop };
}
