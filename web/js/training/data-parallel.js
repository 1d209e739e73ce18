// Training shared by several Python workers (data-parallel; py/scratchnet/app/shard_calls.py). The
// main worker owns the run; helpers, booted when the `workers` setting asks for them, compute shards
// of each batch. The page relays: the main worker's answer carries the helpers' jobs, each helper
// answers its shard's gradients (as a typed array, transferred), and the page hands them back to the
// main worker in shard order, which adds them up and applies the update as one worker would.
//
// A helper that fails or runs past its limit is ended; that step's shards are computed by the main
// worker (nothing is lost) and a new helper is started for the steps after. Until helpers are up,
// the main worker trains alone. With the setting at 1 (or auto on a machine with fewer than 3
// cores), the page's ordinary training call is used. A shared chunk counts as one "train" call in
// scratchnetPython.calls, besides its own calls.

const HELPER_LIMIT_MS = 20000; // one shard's gradients; a helper that takes longer is replaced
const MOST_HELPERS = 7; // the setting's largest number of workers, less the main one

// Bytes of a typed array, as a fresh buffer of its own that can be transferred.
const bytesOf = (array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength).slice();

/** One chunk's "progress" events (one per call) as one, as Python summarises a chunk's batches. */
export function mergeProgress(events) {
  const batches = events.filter((e) => e.type === "progress");
  if (batches.length < 2) return events;
  const weight = (e) => e.batches_in_chunk || 1;
  const count = batches.reduce((n, e) => n + weight(e), 0);
  const mean = (key) => batches.reduce((sum, e) => sum + e[key] * weight(e), 0) / count;
  const samples = batches.reduce((n, e) => n + e.samples, 0);
  const seconds = batches.reduce((t, e) => t + (e.samples_per_sec ? e.samples / e.samples_per_sec : 0), 0);
  const last = batches[batches.length - 1];
  const merged = {
    ...last, loss: mean("loss"), accuracy: mean("accuracy"), batches_in_chunk: count, samples,
    samples_per_sec: seconds > 0 ? samples / seconds : null,
    activations: [...batches].reverse().find((e) => e.activations)?.activations ?? null,
  };
  return [merged, ...events.filter((e) => e.type !== "progress")];
}

/** The data-parallel trainer over `client` (python/client.js). onWorkers(n) hears how many train. */
export function createDataParallel(client, { onWorkers = () => {}, cores = () => navigator.hardwareConcurrency || 1 } = {}) {
  const helpers = []; // {helper (once booted), setupKey}
  let named = 0;
  // Where a shared step's time goes (ms, summed): the main worker's calls, the helpers' round trips
  // and their compute inside Python, and the main worker's wait for them (bench_workers.py reads it).
  const time = { steps: 0, main: 0, helperTrip: 0, helperCompute: 0, waited: 0 };
  const status = { booted: 0, replaced: 0, errors: [], time };
  globalThis.scratchnetWorkers = status; // for tests and the curious

  function drop(entry, err) {
    const at = helpers.indexOf(entry);
    if (at >= 0) helpers.splice(at, 1);
    if (err) status.errors.push(String(err.message || err));
    entry.helper?.kill(new Error("This helper was replaced."));
  }

  // Helpers up to `wanted` workers, started in the background (the main worker trains meanwhile).
  function grow(wanted) {
    while (helpers.length < Math.min(wanted - 1, MOST_HELPERS)) {
      const entry = { helper: null, setupKey: "" };
      helpers.push(entry);
      named++;
      client.bootHelper(`scratchnet-helper-${named}`).then((helper) => {
        if (!helpers.includes(entry)) return helper.kill(new Error("no longer needed"));
        entry.helper = helper;
        status.booted++;
        helper.onDied = (err) => drop(entry, err);
      }, (err) => drop(entry, err));
    }
  }

  const ready = () => helpers.filter((entry) => entry.helper && !entry.helper.dead);

  // Each job to its helper; the answers in shard order, or null when any helper failed.
  async function dispatch(available, jobs, setup) {
    const key = JSON.stringify(setup);
    try {
      return await Promise.all(jobs.map(async ({ data, ...args }, i) => {
        const entry = available[i];
        if (entry.setupKey !== key) {
          await entry.helper.call("shard_setup", { setup }, null, HELPER_LIMIT_MS);
          entry.setupKey = key;
        }
        try {
          const sent = performance.now();
          const answer = await entry.helper.call("shard_gradients", args, bytesOf(data), HELPER_LIMIT_MS);
          time.helperTrip += performance.now() - sent;
          time.helperCompute += 1000 * answer.seconds;
          return answer;
        } catch (err) {
          drop(entry, err);
          status.replaced++;
          throw err;
        }
      }));
    } catch {
      return null;
    }
  }

  /** One chunk of about `budgetMs` shared by the workers `setting` asks for ("auto" or 1-8); the
   * answer has the shape of client.train's. Ends at a step's end only. */
  async function trainChunk(budgetMs, setting, options) {
    // One worker, or auto with no core to spare: the ordinary chunk.
    if (setting === 1 || (setting === "auto" && cores() - 1 < 2)) {
      onWorkers(1);
      return client.train({ budget_ms: budgetMs }, null, options);
    }
    client.countChunk();
    const started = performance.now();
    const available = ready();
    const events = [];
    let reply = null;
    let model = null;
    let inFlight = null;
    let data = null;
    let results = null;
    let local = false;
    for (;;) {
      const left = Math.max(0, budgetMs - (performance.now() - started));
      const asked = performance.now();
      reply = await client.shardTrain({
        budget_ms: inFlight && !data && !local ? budgetMs : left, workers: setting, cores: cores(),
        helpers: available.length, local, results,
      }, data, options);
      time.main += performance.now() - asked;
      data = results = null;
      local = false;
      events.push(...reply.events);
      model = reply.model || model;
      onWorkers(reply.workers);
      grow(reply.wanted);
      if (reply.pause === "shards") {
        inFlight = dispatch(available, reply.jobs, reply.setup);
        time.steps++;
      } else if (reply.pause === "wait") {
        const waiting = performance.now();
        const answers = await inFlight;
        time.waited += performance.now() - waiting;
        inFlight = null;
        if (!answers) local = true;
        else {
          const total = answers.reduce((n, a) => n + a.grads.byteLength, 0);
          data = new Uint8Array(total);
          let at = 0;
          for (const { grads } of answers) {
            data.set(new Uint8Array(grads.buffer, grads.byteOffset, grads.byteLength), at);
            at += grads.byteLength;
          }
          results = answers.map(({ loss, correct }) => ({ loss, correct }));
        }
      } else if (!inFlight) {
        break; // a step's end: the chunk's time is up, or the run finished
      }
    }
    const answer = { events: mergeProgress(events), finished: reply.finished };
    const run = reply.run || reply.model?.run;
    if (model) answer.model = { ...model, run };
    else answer.run = run;
    return answer;
  }

  return {
    trainChunk,
    /** Start the helpers a setting of a number of workers asks for, before training starts. */
    prepare: (setting) => {
      if (Number.isInteger(setting) && setting > 1) grow(setting);
    },
    /** End every helper (the page is being left, or Python restarts). */
    stopAll: () => {
      for (const entry of [...helpers]) drop(entry);
    },
  };
}
