// Making a memory snapshot of Python later, at idle (see runtime.js): once the app's worker has
// had no call for a while, a fresh worker in a sandbox of its own, which never runs anything else
// (and so never a learner's code), boots Python, imports NumPy and the app's package, and hands the
// page a snapshot; the page signs and stores it (snapshot-store.js). If the learner starts training
// meanwhile, the maker is ended to give the CPU back, and tried again at the next idle spell.
// Several widgets on one page make it one at a time.

import { countFailure, failures, hasSnapshot, keepsSnapshots, writeSnapshot } from "./snapshot-store.js";

const IDLE_MS = 2000; // the app's worker without a call this long before a snapshot is made
const MAX_FAILURES = 2; // failed restores or makings of one key in a row before no more are made
const MAX_STOPS = 2; // times the maker gives way to training before it finishes regardless
const LOCK_NAME = "scratchnet-python-snapshot"; // several widgets on a page: one makes it, at a time
const BUSY_CALLS = new Set(["train", "step", "benchmark"]);

const message = (err) => String(err?.message ? err.message : err);

/** Resolves once `activity` (the client's: {pending, since}) shows no call for `ms` in a row. */
function idle(activity, ms) {
  return new Promise((resolve) => {
    const check = () => {
      if (!activity.pending && performance.now() - activity.since >= ms) resolve();
      else setTimeout(check, 200);
    };
    check();
  });
}

/**
 * Once the app's worker is idle, makes and stores a snapshot; resolves to what happened.
 * `make(name)` starts a maker: {made (a promise of {memory, state}), stop()}.
 */
export async function makeSnapshotWhenIdle({ slot, key, activity, errors, make }) {
  try {
    if ((await failures(slot, key)) >= MAX_FAILURES) return "not made: snapshots of this build failed before";
    if (!(await keepsSnapshots(slot, key))) return "not made: this browser did not keep the snapshots stored before";
    for (let stops = 0; ; stops++) {
      await idle(activity, IDLE_MS);
      const attempt = async () => {
        if (await hasSnapshot(slot, key)) return "stored already";
        const started = performance.now();
        const maker = await make("scratchnet-snapshot");
        let stopped = false;
        // Past MAX_STOPS (a learner who keeps training) it runs to the end.
        const previous = activity.onCall;
        if (stops < MAX_STOPS) {
          activity.onCall = (name) => {
            if (!BUSY_CALLS.has(name) || stopped) return;
            stopped = true;
            maker.stop();
          };
        }
        try {
          const { memory, state } = await maker.made;
          await writeSnapshot(slot, key, memory, state);
          return `stored: ${JSON.stringify({ megabytes: Math.round(memory.length / 1e5) / 10, seconds: Math.round(performance.now() - started) / 1000 })}`;
        } catch (err) {
          if (stopped) return null;
          throw err;
        } finally {
          activity.onCall = previous;
        }
      };
      const made = await (navigator.locks ? navigator.locks.request(LOCK_NAME, attempt) : attempt());
      if (made) return stops ? `${made} (after ${stops} restart${stops > 1 ? "s" : ""})` : made;
    }
  } catch (err) {
    errors.push(`no snapshot was made: ${message(err)}`);
    console.warn(`ScratchNet: no Python snapshot was made (${message(err)}).`);
    await countFailure(slot, key).catch(() => {});
    return `failed: ${message(err)}`;
  }
}
