// The one module that owns the Python workers. Each runs in a sandbox of its own (python-sandbox.js)
// with no network and none of the site's storage; this module hands it the site's files as bytes
// and speaks the worker's message protocol (worker.js). It offers one method per bridge call, named
// from the bridge's own list (new_training -> newTraining), each taking keyword arguments and an
// optional byte array. Answers come back as plain data with NumPy arrays as typed arrays (each with
// a `shape`).
//
// Every call has a time limit (Python cannot be interrupted): a worker that runs past it, exits,
// closes itself or grows too big is ended; every pending call then fails with a
// WorkerDiedError, onDied hears it, and restart() brings up a new worker with the last checkpoint
// (model, settings, run position) put back, without the learner's code that hung.
//
// One worker's messages, limits and queue are connection.js's.
//
// The learner's Check runs in a second worker of its own (the checker), so the network's
// interpreter never runs code that failed a check; a checker whose check failed is replaced.

import { connect, WorkerDiedError } from "./connection.js";
import { DownloadError, downloadSite } from "./site-files.js";
import { canStore, clearFailures, dropSnapshot, readSnapshot } from "./snapshot-store.js";
import { makeSnapshotWhenIdle } from "./snapshot-at-idle.js";

export { DownloadError, WorkerDiedError };

const CALL_LIMIT_MS = 60000; // any call; a closed or stuck worker is found out at the latest then
const BOOT_LIMIT_MS = 240000; // starting Python and loading the digits and model, on a slow machine
const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array };

// The bridge's {"$part": i, dtype, shape} markers replaced by typed arrays over the binary parts.
function revive(value, parts) {
  if (Array.isArray(value)) return value.map((v) => revive(v, parts));
  if (value === null || typeof value !== "object") return value;
  if (Object.hasOwn(value, "$part")) {
    const bytes = parts[value.$part];
    if (!(bytes instanceof Uint8Array)) throw new Error("The worker sent an array that is not there.");
    if (value.dtype === "bytes") return bytes;
    const Type = ARRAYS[value.dtype];
    if (!Object.hasOwn(ARRAYS, value.dtype)) throw new Error(`The bridge sent an array of an unknown type (${String(value.dtype).slice(0, 20)}).`);
    const array = new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
    array.shape = value.shape;
    return array;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v, parts)]));
}

// The bridge's calls the page makes (app/bridge.py's CALLS, but for init, which boot() makes);
// tests/test_bridge.py checks that the two lists agree.
export const BRIDGE_CALLS = [
  "validate", "new_training", "reset", "use_pretrained", "train", "step", "evaluate", "mistakes", "classify",
  "first_layer_weights", "augment_examples", "export_model", "export_experiment", "import_model", "checkpoint", "restore", "benchmark",
  "exercise", "check_code", "use_code", "use_reference", "code_view",
  "playground_schema", "playground_new", "playground_reset", "playground_place", "playground_train",
  "inspect", "inspect_update", "spot_check", "cell_examples",
  "my_digits_file", "read_my_digits", "fine_tune_start", "fine_tune_continue", "fine_tune_finish",
  "shard_train", "shard_setup", "shard_gradients",
];

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const copies = (files) => Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.slice()]));
const buffers = (files) => Object.values(files).map((bytes) => bytes.buffer);


// Calls that change the model or the run: after one, a checkpoint is taken (always for those that
// set a model up; for all of them while the learner's code is in use), so a restart loses nothing.
const SETS_UP = new Set(["new_training", "reset", "use_pretrained", "import_model", "restore", "use_code", "fine_tune_finish"]);
const CHANGES = new Set([...SETS_UP, "train", "shard_train", "step", "playground_new", "playground_train"]);
const LEARNER_LIMIT_MS = 10000; // any call while the network may run the learner's code
const LEARNER_CALLS = { use_code: 5000, check_code: 5000 }; // calls that run it for sure
// Calls on one example or a mini-batch that run the network, so its learner code while in use:
// a few milliseconds each, so one past this was stuck (the same limit as a training chunk's).
const ONE_EXAMPLE_CALLS = new Set(["classify", "inspect", "inspect_update", "spot_check"]);
const ONE_EXAMPLE_LIMIT_MS = 5000;

/** Create the client; onStep(step) receives loading progress. Call boot() to start. `name` names
 * its worker; only the page's own client (`main`) keeps snapshots and reports in scratchnetPython. */
export function createWorkerClient(onStep, { name: workerName = "scratchnet", main = true } = {}) {
  const started = performance.now();
  const report = (step) => onStep({ ...step, at: (performance.now() - started) / 1000 });
  let site = null; // a promise of downloadSite()'s answer, once it succeeded
  let current = null; // a promise of the app's worker
  let checker = null; // a promise of the checker's worker
  let checkpoint = null; // bytes of the last checkpoint, put back by restart()
  let tainted = false; // has the app's interpreter run the learner's code?
  let spare = null; // a promise of a booted worker, kept ready while the learner's code may hang
  const activity = { pending: 0, since: performance.now(), onCall: null };
  // calls: how many of each were made; makers: snapshot makers started (see snapshot-at-idle.js)
  const status = { how: null, errors: [], snapshot: null, calls: {}, makers: 0 };
  // A sentinel for tests: a call queued behind everything asked of Python so far, answered in turn.
  status.roundTrip = () => call("validate", { config: {} }).then(() => undefined);
  if (main) globalThis.scratchnetPython = status; // how Python started, for tests and the curious
  const client = { onDied: null };

  function loadSite() {
    if (!site) {
      site = downloadSite(location.href, report);
      site.catch(() => (site = null));
    }
    return site;
  }

  /** A booted worker named `name`: {worker, booted (the worker's "booted" message), files}. */
  async function bootWorker(name, { report = null, useSnapshot = false } = {}) {
    const files = await loadSite();
    let snapshot = null;
    if (useSnapshot && files.snapshotKey && (await canStore())) {
      snapshot = await readSnapshot(files.slot, files.snapshotKey).catch((err) => {
        status.errors.push(`the stored Python snapshot was dropped: ${err.message}`);
        dropSnapshot(files.slot, files.snapshotKey, { failed: true }).catch(() => {});
        return null;
      });
    }
    const python = await files.python.catch((err) => {
      if (report) report({ id: "runtime", state: "error" });
      throw err;
    });
    const next = connect(python.worker, name, report);
    const booted = next.answer("booted", BOOT_LIMIT_MS);
    const pyodide = copies(python.pyodide);
    next.post({ type: "boot", files: pyodide, wheel: files.wheel, plain: files.plain, snapshot }, buffers(pyodide));
    files.app.then((app) => {
      const own = copies(app);
      if (!next.dead) next.post({ type: "app", ...own }, buffers(own));
    }, (err) => next.kill(err));
    try {
      const answer = await booted;
      if (answer.restoreFailed) dropSnapshot(files.slot, files.snapshotKey, { failed: true }).catch(() => {});
      else if (answer.how === "restored") clearFailures(files.slot, files.snapshotKey).catch(() => {});
      return { worker: next, booted: answer, files, python };
    } catch (err) {
      next.kill(err);
      if (err.restoreFailed) dropSnapshot(files.slot, files.snapshotKey, { failed: true }).catch(() => {});
      throw err;
    }
  }

  function limitFor(name, timeoutMs) {
    const most = LEARNER_CALLS[name] || (tainted ? (ONE_EXAMPLE_CALLS.has(name) ? ONE_EXAMPLE_LIMIT_MS : LEARNER_LIMIT_MS) : CALL_LIMIT_MS);
    return timeoutMs ? Math.min(timeoutMs, most) : most;
  }

  async function call(name, args = {}, data = null, { timeoutMs = 0 } = {}) {
    status.calls[name] = (status.calls[name] || 0) + 1;
    if (name === "check_code") {
      const checked = await check(args, limitFor(name, timeoutMs));
      if (main && checked.passed) keepSpare(); // code that passed is likely to be used next
      return checked;
    }
    if (name === "use_reference" && tainted) return backToReference();
    activity.pending++;
    if (activity.onCall) activity.onCall(name);
    try {
      const worker = await current;
      // A call that may hang on the learner's code is preceded by a checkpoint, as Check is, with
      // nothing between them (not the next chunk queued meanwhile).
      const before = tainted && ONE_EXAMPLE_CALLS.has(name) ? checkpointCall() : null;
      if (name === "use_code") {
        tainted = true; // compiling it runs its top level
        if (main) keepSpare();
      }
      const { text, parts } = await worker.call(name, args, data, limitFor(name, timeoutMs), before);
      const answer = revive(JSON.parse(text), parts);
      if (CHANGES.has(name) && (tainted || SETS_UP.has(name))) client.saveCheckpoint().catch(() => {});
      return answer;
    } finally {
      activity.pending--;
      activity.since = performance.now();
    }
  }

  // Back to the reference from an interpreter that ran the learner's code: a fresh one, with the
  // model, settings and run brought back without that code.
  async function backToReference() {
    await client.saveCheckpoint();
    const { model } = await client.restart({ withCode: false });
    return { ok: true, model };
  }

  // Check runs in the checker: its own worker, started on the first check. A check that did not
  // pass (or ran too long) leaves that interpreter behind: the next check gets a fresh one.
  async function check(args, limitMs) {
    checker ||= bootWorker("scratchnet-checker").then(({ worker }) => worker);
    const pending = checker;
    pending.catch(() => (checker = null));
    const worker = await pending;
    let checked = null;
    try {
      const { text, parts } = await worker.call("check_code", args, null, limitMs);
      checked = revive(JSON.parse(text), parts);
      return checked;
    } catch (err) {
      // The checker's end is not the app's: the network's worker goes on as it was.
      throw Object.assign(new Error(err.message), { timedOut: Boolean(err.timedOut) });
    } finally {
      if (!checked?.passed) {
        worker.kill(new WorkerDiedError("The checker was replaced."));
        if (checker === pending) checker = null;
      }
    }
  }


  function snapshotLater({ files, python }) {
    return makeSnapshotWhenIdle({
      slot: files.slot, key: files.snapshotKey, activity, errors: status.errors,
      make: async (name) => {
        status.makers++;
        const maker = connect(python.worker, name);
        const pyodide = copies(python.pyodide);
        const zip = (await files.app).zip.slice();
        const made = maker.answer("snapshot", BOOT_LIMIT_MS);
        maker.post({ type: "make-snapshot", files: pyodide, wheel: files.wheel,
          app: { zip, extractDir: "/home/pyodide", module: "scratchnet.app.bridge" } }, [...buffers(pyodide), zip.buffer]);
        made.then(() => maker.kill(new WorkerDiedError("done")), () => {});
        return { made, stop: () => maker.kill(new WorkerDiedError("stopped")) };
      },
    });
  }

  // While the learner's code is in use, a second worker boots in the background, so a restart
  // after a hang only has to put the checkpoint back (booting takes seconds, many on a busy machine).
  function keepSpare() {
    if (spare) return;
    spare = bootWorker(workerName, { useSnapshot: main });
    spare.catch(() => (spare = null));
  }

  // The spare, if it booted and is alive, else a worker booting now.
  async function takeSpare() {
    const kept = spare;
    spare = null;
    const ready = kept && (await kept.catch(() => null));
    return ready && !ready.worker.dead ? ready : bootWorker(workerName, { report, useSnapshot: main });
  }

  /** Boot Pyodide, NumPy and the bridge: {info (init's answer), build, seconds, how}. */
  client.boot = async (booting = null) => {
    const t0 = performance.now();
    const started = booting || bootWorker(workerName, { report, useSnapshot: main });
    current = started.then(({ worker }) => worker);
    current.catch(() => {}); // awaited by every call
    const { worker, booted, files, python } = await started;
    tainted = false;
    worker.onDied = (err) => client.onDied?.(err);
    Object.assign(status, { how: booted.how, errors: [...status.errors, ...booted.errors] });
    if (main && booted.how === "fresh" && files.snapshotKey && !status.snapshot && (await canStore())) {
      status.snapshot = snapshotLater({ files, python });
    }
    const missing = BRIDGE_CALLS.filter((name) => !booted.calls.includes(name));
    if (missing.length) throw new Error(`The Python package does not have ${missing.join(", ")}: the site's files are of two builds.`);
    return {
      info: revive(JSON.parse(booted.info.text), booted.info.parts),
      calls: booted.calls, build: files.manifest.build || "", seconds: (performance.now() - t0) / 1000, how: booted.how,
    };
  };

  /** Call bridge function `name` (as Python spells it) with keyword arguments and optional bytes. */
  client.call = call;
  /** Count a training chunk made of other calls (data-parallel.js) as the "train" it stands for. */
  client.countChunk = () => {
    status.calls.train = (status.calls.train || 0) + 1;
  };
  // One method per bridge call: client.newTraining(args, data, options) calls new_training.
  for (const name of BRIDGE_CALLS) client[camel(name)] = (args, data, options) => call(name, args, data, options);

  /** A helper for data-parallel training (training/data-parallel.js): another worker booted the
   * same way (from the memory snapshot where one is kept), in a sandbox of its own, that runs only
   * the calls the main worker's run hands it. {call(name, args, data, limitMs), kill(err), dead, onDied}. */
  client.bootHelper = async (name) => {
    const { worker } = await bootWorker(name, { useSnapshot: true });
    return {
      worker,
      get dead() {
        return worker.dead;
      },
      set onDied(fn) {
        worker.onDied = fn;
      },
      kill: (err) => worker.kill(err),
      call: async (callName, args, data, limitMs = CALL_LIMIT_MS) => {
        const { text, parts } = await worker.call(callName, args, data, limitMs);
        return revive(JSON.parse(text), parts);
      },
    };
  };

  /** Keep the session's current state, to be put back by restart(). */
  client.saveCheckpoint = async () => {
    await checkpointOn(await current);
  };

  async function checkpointOn(worker) {
    const { parts } = await worker.call("checkpoint", {}, null, limitFor("checkpoint"));
    checkpoint = parts[0];
  }

  // A checkpoint call for connection.js's `before`, which keeps its answer.
  function checkpointCall() {
    const call = { callName: "checkpoint", args: {}, data: null, limitMs: limitFor("checkpoint") };
    new Promise((resolve, reject) => Object.assign(call, { resolve, reject }))
      .then(({ parts }) => (checkpoint = parts[0]), () => {});
    return call;
  }

  /** A new worker, booted, with the last checkpoint restored (the learner's code only if
   * `withCode`): {info, model}. */
  client.restart = async ({ withCode = false } = {}) => {
    const old = await current.catch(() => null);
    if (old) {
      old.onDied = null;
      old.kill(new WorkerDiedError("Python is being restarted."));
    }
    const booting = client.boot(takeSpare());
    const fresh = current;
    let restored = null;
    // Calls made meanwhile wait until the checkpoint is back, so they see the model they expect.
    current = (async () => {
      const worker = await fresh;
      if (checkpoint) {
        const { text, parts } = await worker.call("restore", { code: withCode }, checkpoint.slice(), limitFor("restore"));
        restored = revive(JSON.parse(text), parts);
        tainted = withCode;
      }
      return worker;
    })();
    current.catch(() => {});
    const booted = await booting;
    await current;
    return { ...booted, model: restored ? restored.model : booted.info.model };
  };

  return client;
}
