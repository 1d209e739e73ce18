// One Python worker in its sandbox, as the page sees it: the worker's message protocol
// (worker.js), its calls sent one at a time (a drawing first), each with a time limit, and its end
// when it runs past a limit, exits, closes itself, grows past MEMORY_LIMIT or cannot start. Every
// pending call then fails with a WorkerDiedError, and onDied hears it. client.js owns the workers.

import { openSandbox } from "./sandbox.js";

const MEMORY_LIMIT = 1.5e9; // bytes of WebAssembly memory: a worker past this is replaced
const FIRST = new Set(["classify"]); // calls that go before all others queued

/** Python's worker stopped (crashed, exited, or was stopped because a call ran too long). */
export class WorkerDiedError extends Error {
  constructor(message, { timedOut = false } = {}) {
    super(message);
    this.name = "WorkerDiedError";
    this.timedOut = timedOut;
  }
}


/** One worker in its sandbox: {post, call(name, args, data, limit), answer(type), kill, dead}. */
export function connect(source, name, onStep) {
  const sandbox = openSandbox(source, name);
  const pending = new Map(); // id -> {resolve, reject}
  const waiters = new Map(); // message type -> [resolve, reject]
  let nextId = 1;
  const worker = { dead: null, heap: 0 };

  worker.kill = (err) => {
    if (worker.dead) return;
    worker.dead = err;
    sandbox.close();
    for (const { reject } of pending.values()) reject(err);
    for (const [, reject] of waiters.values()) reject(err);
    for (const job of queued.splice(0)) job.reject(err);
    pending.clear();
    waiters.clear();
    if (worker.onDied) worker.onDied(err);
  };
  sandbox.failed.catch((err) => worker.kill(new WorkerDiedError(`The background worker that runs Python stopped: ${err.message}.`)));

  sandbox.port.onmessage = ({ data }) => {
    if (!data || typeof data !== "object") return;
    if (data.type === "step") return onStep?.({ id: data.id, state: data.state });
    if (typeof data.heap === "number") worker.heap = data.heap;
    const job = pending.get(data.id);
    if (job && (data.type === "answer" || data.type === "failed")) {
      pending.delete(data.id);
      if (data.type === "answer") job.resolve(data);
      else job.reject(new Error(String(data.message)));
      if (data.dead) worker.kill(new WorkerDiedError("Python stopped (the code it ran ended the interpreter)."));
      else if (worker.heap > MEMORY_LIMIT) worker.kill(new WorkerDiedError(`Python grew to ${(worker.heap / 1e9).toFixed(1)} GB of memory.`));
      return;
    }
    const waiter = waiters.get(data.type) || (data.type === "boot-failed" && waiters.get("booted"));
    if (waiter) {
      waiters.delete(data.type === "boot-failed" ? "booted" : data.type);
      if (data.type === "boot-failed") waiter[1](Object.assign(new Error(String(data.message)), { restoreFailed: data.restoreFailed }));
      else waiter[0](data);
    }
  };

  worker.post = (message, transfer = []) => sandbox.port.postMessage(message, transfer);

  /** The next message of `type`, within `limitMs` (else the worker is ended). */
  worker.answer = (type, limitMs) => withLimit(new Promise((resolve, reject) => waiters.set(type, [resolve, reject])), limitMs, type);

  // Calls go to the worker one at a time, a drawing's classification first: the learner's stroke
  // never waits behind the work queued at start-up or a chunk asked for ahead, and a call's time
  // limit counts only its own running time. The next call is sent as soon as an answer arrives,
  // before the page handles that answer, so Python goes straight from one call to the next.
  const queued = [];
  let running = false;
  // `before`: a call ({callName, args, data, limitMs, resolve, reject}) made right before this one,
  // with nothing between them (a checkpoint before a call that may hang).
  worker.call = (callName, args, data, limitMs, before = null) => {
    if (worker.dead) return Promise.reject(worker.dead);
    return new Promise((resolve, reject) => {
      queued.push({ callName, args, data, limitMs, resolve, reject, before });
      pump();
    });
  };

  function pump() {
    if (running || worker.dead || !queued.length) return;
    const first = queued.findIndex((job) => job.now || FIRST.has(job.callName));
    let job = queued.splice(Math.max(first, 0), 1)[0];
    if (job.before) {
      queued.unshift({ ...job, before: null, now: true }); // the very next call
      job = job.before;
    }
    running = true;
    const id = nextId++;
    const answered = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.post({ type: "call", id, name: job.callName, args: job.args, data: job.data }, job.data ? [job.data.buffer] : []);
    const next = () => {
      running = false;
      pump();
    };
    withLimit(answered, job.limitMs, job.callName).then((answer) => {
      next();
      job.resolve(answer);
    }, (err) => {
      next();
      job.reject(err);
    });
  }

  function withLimit(promise, limitMs, what) {
    let timer = 0;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => {
        const err = new WorkerDiedError(`Python took longer than ${Math.round(limitMs / 1000)} s (${what}) and was stopped.`, { timedOut: true });
        worker.kill(err);
        reject(err);
      }, limitMs);
    });
    return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
  }
  return worker;
}
