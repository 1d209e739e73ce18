// The background worker: boots Pyodide, loads NumPy, unpacks the ScratchNet package and answers
// the page's calls through Comlink. The calls are the bridge's own list (bridge.CALLS); each goes
// through bridge.dispatch with JSON arguments and one optional byte array, and its answer comes
// back as JSON text plus binary parts, which travel to the page as transferred buffers.

import * as Comlink from "../vendor/comlink/comlink.mjs";
import { startPython } from "./runtime.js";

const HOME = "/home/pyodide";

let pyodide = null;
let dispatch = null; // bridge.dispatch
let callNames = []; // bridge.CALLS

async function fetchBytes(url, what, onProgress) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`Could not download ${what} (${url.pathname}): ${err.message}.`);
  }
  if (!response.ok) {
    const reason = `${response.status} ${response.statusText}`.trim();
    throw new Error(`Could not download ${what}: the server answered "${reason}" for ${url.pathname}.`);
  }
  const total = Number(response.headers.get("content-length")) || 0;
  if (!onProgress || !response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(received, total);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

// Runs one loading step, telling the page when it starts and when it ends or fails; `at` is the
// number of seconds since loading began, since steps overlap (downloads run during the boot).
async function step(report, t0, id, work) {
  const at = () => (performance.now() - t0) / 1000;
  report({ id, state: "active" });
  try {
    const result = await work((detail) => report({ id, state: "active", detail }));
    report({ id, state: "done", at: at() });
    return result;
  } catch (err) {
    report({ id, state: "error", at: at() });
    throw err;
  }
}

const megabytes = (n) => (n / 1e6).toFixed(1);

// Progress text for a download, sent at most ten times a second.
function downloadProgress(detail) {
  let last = 0;
  return (received, total) => {
    const now = performance.now();
    if (now - last < 100 && received !== total) return;
    last = now;
    detail(total ? `${megabytes(received)} of ${megabytes(total)} MB` : `${megabytes(received)} MB`);
  };
}

// dispatch()'s answer, (JSON text, [bytes]), as {text, parts} of plain JS; the proxy is destroyed.
function toPlain(result) {
  try {
    const [text, parts] = result.toJs(); // bytes are copied out of the WebAssembly heap
    return Comlink.transfer({ text, parts }, parts.map((p) => p.buffer));
  } finally {
    result.destroy();
  }
}

const api = {
  /** Boot the runtime and the bridge; `report` receives loading steps. Returns init()'s result. */
  async boot(pageUrl, report) {
    const t0 = performance.now();
    const manifest = await fetchBytes(new URL("manifest.json", pageUrl), "the site's file list (manifest.json)")
      .then((bytes) => JSON.parse(new TextDecoder().decode(bytes)));
    const url = (key) => {
      if (!manifest[key]) throw new Error(`manifest.json does not say where "${key}" is.`);
      return new URL(manifest[key], pageUrl);
    };
    const pyodideUrl = url("pyodide");

    // Downloads start at once and run while the runtime boots (from a snapshot if runtime.js has one).
    const app = { archive: url("package").href, extractDir: HOME, module: "scratchnet.bridge" };
    const python = startPython({ indexURL: pyodideUrl.href, manifest, pageUrl, app });
    const runtime = step(report, t0, "runtime", () => python.runtime.catch((err) => {
      throw new Error(`Could not start Python (Pyodide) from ${pyodideUrl.pathname}: ${err.message || err}`);
    }));
    const numpy = runtime.then(() => step(report, t0, "numpy", async () => (pyodide = await python.numpy)));
    const data = step(report, t0, "data", async (detail) => {
      const bytes = await fetchBytes(url("data"), "the MNIST digits", downloadProgress(detail));
      const py = await numpy;
      py.FS.writeFile(`${HOME}/mnist.npz`, bytes);
    });
    const code = step(report, t0, "code", async (detail) => {
      const bytes = await fetchBytes(url("package"), "the ScratchNet Python code");
      detail("waiting for Python");
      const py = await numpy;
      py.unpackArchive(bytes, "zip", { extractDir: HOME });
      const module = py.pyimport("scratchnet.bridge");
      try {
        dispatch = module.dispatch.copy(); // attributes are borrowed from the module proxy destroyed below
        const calls = module.CALLS;
        callNames = [...calls.keys()];
        calls.destroy();
      } finally {
        module.destroy();
      }
    });
    const model = step(report, t0, "model", async (detail) => {
      const bytes = await fetchBytes(url("model"), "the pretrained model");
      detail("waiting for Python");
      await Promise.all([code, data]);
      pyodide.FS.writeFile(`${HOME}/model.npz`, bytes);
      detail("loading digits and model");
      return api.call("init", { data_path: `${HOME}/mnist.npz`, model_path: `${HOME}/model.npz` });
    });
    // Whichever part fails first is reported at once, not after the others finish.
    const [, , , info] = await Promise.all([numpy, data, code, model]);
    return { info, calls: callNames, build: manifest.build || "", seconds: (performance.now() - t0) / 1000 };
  },

  /** Call bridge function `name` with keyword arguments `args` (plain data) and optionally one
   * byte array; resolves to {text, parts} (JSON text and binary parts, see bridge.encode). */
  call(name, args = {}, data = null) {
    if (!callNames.includes(name)) throw new Error(`Unknown bridge function "${name}".`);
    return new Promise((resolve, reject) => {
      waiting.push({ name, args, data, resolve, reject });
      if (!draining) drain();
    });
  },
};

// Calls run one at a time, in the order they came, except that a drawing to classify goes first:
// the learner's stroke never waits behind the work queued at start-up or a chunk asked for ahead.
// Between two calls the worker yields to its event loop, so that the requests which arrived while
// Python was busy are waiting here before the next call is chosen.
const FIRST = new Set(["classify"]);
const waiting = [];
let draining = false;
const turn = new MessageChannel();
const yieldToEvents = () => new Promise((resolve) => {
  turn.port1.onmessage = resolve;
  turn.port2.postMessage(null);
});

function run({ name, args, data }) {
  const bytes = data ? pyodide.toPy(data) : null;
  try {
    return toPlain(dispatch(name, JSON.stringify(args), bytes));
  } finally {
    if (bytes) bytes.destroy();
  }
}

async function drain() {
  draining = true;
  while (waiting.length) {
    await yieldToEvents();
    const first = waiting.findIndex((job) => FIRST.has(job.name));
    const job = waiting.splice(Math.max(first, 0), 1)[0];
    try {
      job.resolve(run(job));
    } catch (err) {
      job.reject(err);
    }
  }
  draining = false;
}

Comlink.expose(api);
