// A Python worker. It runs inside the sandbox (sandbox.html: an opaque origin with no network and
// none of the site's storage), and talks to the trusted page over the one MessagePort the sandbox
// hands it. Everything it needs arrives as bytes in the first message; it never fetches.
//
// Messages from the page (each is checked; anything else is answered with an error):
//   {type: "boot", files, wheel, plain, snapshot}        start Python and the bridge (an app worker)
//   {type: "app", zip, data, model}                      the app's files (may come after "boot")
//   {type: "make-snapshot", files, wheel, app}            boot afresh and answer a memory snapshot
//   {type: "call", id, name, args, data}                  one bridge call (bridge.CALLS)
// Answers: {type: "step", id, state, detail} while booting; {type: "booted", calls, how, errors,
// restoreFailed, info}; {type: "snapshot", memory, state}; {type: "answer", id, text, parts};
// {type: "failed", id, message, dead}. `dead` says Python can answer no more (it exited).

import { makeSnapshot, startPython } from "./python/runtime.js";

const HOME = "/home/pyodide";
const message = (err) => String(err?.message ? err.message : err);

let port = null;
let pyodide = null;
let dispatch = null; // bridge.dispatch
let callNames = []; // bridge.CALLS
let appFiles;
const app = new Promise((resolve) => (appFiles = resolve));

self.onmessage = ({ data }) => {
  if (port || !data || !(data.port instanceof MessagePort)) return;
  port = data.port;
  port.onmessage = ({ data: request }) => handle(request).catch((err) => send({ type: "failed", message: message(err) }));
};

function send(reply, transfer = []) {
  port.postMessage(reply, transfer);
}

async function handle(request) {
  if (!request || typeof request !== "object") throw new Error("a message that is not a request");
  if (request.type === "boot") return boot(request);
  if (request.type === "make-snapshot") {
    const { memory, state } = await makeSnapshot(request);
    return send({ type: "snapshot", memory, state }, [memory.buffer]);
  }
  if (request.type === "app") return appFiles(request);
  if (request.type === "call") return answer(request);
  throw new Error(`an unknown request "${String(request.type).slice(0, 40)}"`);
}

/** Boot Python, NumPy and the bridge, reporting each loading step; then run init(). */
async function boot({ files, wheel, plain, snapshot }) {
  const report = (id, state) => send({ type: "step", id, state });
  report("runtime", "active");
  const python = startPython({ files, wheel, plain, snapshot });
  try {
    await python.runtime;
    report("runtime", "done");
    report("numpy", "active");
    pyodide = await python.numpy;
    report("numpy", "done");
    report("code", "active");
    const { zip, data, model } = await app;
    pyodide.unpackArchive(zip, "zip", { extractDir: HOME });
    const module = pyodide.pyimport("scratchnet.app.bridge");
    try {
      dispatch = module.dispatch.copy(); // attributes are borrowed from the module proxy destroyed below
      const calls = module.CALLS;
      callNames = [...calls.keys()];
      calls.destroy();
    } finally {
      module.destroy();
    }
    report("code", "done");
    report("model", "active");
    pyodide.FS.writeFile(`${HOME}/mnist.npz`, data);
    pyodide.FS.writeFile(`${HOME}/model.npz`, model);
    const info = run({ name: "init", args: { data_path: `${HOME}/mnist.npz`, model_path: `${HOME}/model.npz` } });
    report("model", "done");
    const { how, errors, restoreFailed = null } = python.status;
    send({ type: "booted", calls: callNames, how, errors, restoreFailed, info }, info.parts.map((p) => p.buffer));
  } catch (err) {
    const { how, restoreFailed = null } = python.status;
    send({ type: "boot-failed", message: message(err), how, restoreFailed });
  }
}

// dispatch()'s answer, (JSON text, [bytes]), as {text, parts} of plain JS; the proxy is destroyed.
function run({ name, args, data }) {
  const bytes = data ? pyodide.toPy(data) : null;
  try {
    const result = dispatch(name, JSON.stringify(args || {}), bytes);
    try {
      const [text, parts] = result.toJs(); // bytes are copied out of the WebAssembly heap
      return { text, parts };
    } finally {
      result.destroy();
    }
  } finally {
    if (bytes) bytes.destroy();
  }
}

/** The size of Python's WebAssembly memory: it only grows, so a worker that grew too far is replaced. */
const heapBytes = () => (pyodide?._module?.HEAPU8 ? pyodide._module.HEAPU8.length : 0);

/** Has Python exited (os._exit, a fatal error)? Then no call can run again. */
function pythonIsDead() {
  try {
    pyodide.runPython("None");
    return false;
  } catch {
    return true;
  }
}

// One call: the page (python/connection.js) sends calls one at a time, a drawing first, so the
// worker runs each as it comes.
function answer(job) {
  try {
    if (!dispatch || !callNames.includes(job.name)) throw new Error(`Unknown bridge function "${String(job.name).slice(0, 40)}".`);
    const { text, parts } = run(job);
    send({ type: "answer", id: job.id, text, parts, heap: heapBytes() }, parts.map((p) => p.buffer));
  } catch (err) {
    send({ type: "failed", id: job.id, message: message(err), dead: Boolean(pyodide) && pythonIsDead() });
  }
}
