// The one module that owns the Web Worker. It wraps the worker with Comlink and offers one
// method per bridge call, named from the bridge's own list (new_training -> newTraining), each
// taking keyword arguments and an optional byte array. Answers come back as plain data with
// NumPy arrays as typed arrays (each with a `shape`). If the worker dies, or a call runs past its
// time limit, every pending call fails with a WorkerDiedError, and restart() brings up a new
// worker with the last checkpoint (model, settings, run position) put back.

import * as Comlink from "../vendor/comlink/comlink.mjs";

/** Python's worker stopped (crashed, or was stopped because a call ran too long). */
export class WorkerDiedError extends Error {
  constructor(message, { timedOut = false } = {}) {
    super(message);
    this.name = "WorkerDiedError";
    this.timedOut = timedOut;
  }
}

const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array };

// The bridge's {"$part": i, dtype, shape} markers replaced by typed arrays over the binary parts.
function revive(value, parts) {
  if (Array.isArray(value)) return value.map((v) => revive(v, parts));
  if (value === null || typeof value !== "object") return value;
  if ("$part" in value) {
    const bytes = parts[value.$part];
    if (value.dtype === "bytes") return bytes;
    const Type = ARRAYS[value.dtype];
    if (!Type) throw new Error(`The bridge sent an array of an unknown type (${value.dtype}).`);
    const array = new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
    array.shape = value.shape;
    return array;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v, parts)]));
}

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** Create the client; onStep(step) receives loading progress. Call boot() to start. */
export function createWorkerClient(onStep) {
  let remote = null;
  let worker = null;
  let failWith = () => {};
  let died = null;
  let checkpoint = null; // bytes of the last checkpoint, put back by restart()
  const client = {};

  function startWorker() {
    worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "scratchnet" });
    remote = Comlink.wrap(worker);
    died = new Promise((_, reject) => {
      failWith = reject;
    });
    died.catch(() => {}); // observed through each call below
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      failWith(new WorkerDiedError("The background worker that runs Python stopped" +
        (event.message ? ` (${event.message})` : " or could not be started") + "."));
    });
  }

  /** Call bridge function `name`; rejects with WorkerDiedError if the worker dies or the call
   * takes longer than timeoutMs (the worker is then stopped: Python cannot be interrupted). */
  async function call(name, args = {}, data = null, { timeoutMs = 0 } = {}) {
    const transfer = data ? Comlink.transfer(data, [data.buffer]) : null;
    let timer = 0;
    const limit = timeoutMs ? new Promise((_, reject) => {
      timer = setTimeout(() => {
        worker.terminate();
        const error = new WorkerDiedError(`Python took longer than ${Math.round(timeoutMs / 1000)} s and was stopped.`,
          { timedOut: true });
        failWith(error);
        reject(error);
      }, timeoutMs);
    }) : died;
    try {
      const { text, parts } = await Promise.race([remote.call(name, args, transfer), died, limit]);
      return revive(JSON.parse(text), parts);
    } finally {
      clearTimeout(timer);
    }
  }

  // One method per bridge call, from the list the worker read from the bridge.
  function addMethods(names) {
    for (const name of names) {
      if (name !== "init") client[camel(name)] = (args, data, options) => call(name, args, data, options);
    }
  }

  /** Boot Pyodide, NumPy and the bridge: {info (init's answer), build, seconds}. */
  client.boot = async () => {
    startWorker();
    const booted = await Promise.race([remote.boot(location.href, Comlink.proxy(onStep)), died]);
    addMethods(booted.calls);
    return { ...booted, info: revive(JSON.parse(booted.info.text), booted.info.parts) };
  };

  /** Keep the session's current state, to be put back by restart(). */
  client.saveCheckpoint = async () => {
    checkpoint = await call("checkpoint");
  };

  /** A new worker, booted, with the last checkpoint restored: {info, model}. */
  client.restart = async () => {
    if (worker) worker.terminate();
    const booted = await client.boot();
    const model = checkpoint ? (await call("restore", {}, checkpoint.slice())).model : booted.info.model;
    return { ...booted, model };
  };

  return client;
}
