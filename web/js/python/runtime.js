// Starting Python in a worker of the sandbox (sandbox.html): Pyodide with NumPy imported. The
// worker has no network: every file it needs comes from the trusted page as bytes, and `fetch` is
// replaced by a lookup in those files (Pyodide fetches its wasm, standard library, lock file and,
// on the documented route, the NumPy wheel; nothing else is ever answered). A visit after the first
// restores a memory snapshot that the page verified; a first visit boots afresh. Any failure falls
// back to the next way: a restore to a fresh boot, a fresh boot to Pyodide's own documented route
// (loadPackage).
//
// Pyodide 0.27.7 has undocumented snapshot options, `_makeSnapshot` and `_loadSnapshot`, but a
// snapshot is only WebAssembly linear memory: NumPy's compiled modules (.so files) live outside it,
// as WebAssembly instances of their own with slots in the function table. So every boot but the
// documented one writes NumPy's files into site-packages and loads all its .so files, in sorted
// order, before Python starts (an Emscripten preRun hook). The libraries then sit at the same memory
// and table addresses in the run that makes a snapshot and in every run that restores it, and the
// function pointers inside the snapshot stay valid. The one piece of loader state that lives in
// JavaScript, which library each C-side dlopen() handle stands for, is recorded with the snapshot
// and put back. NumPy's files always come from the wheel, which the page downloaded with its
// sha256 checked: a snapshot carries memory and loader state only, never files.

import { unzip } from "./unzip.js";

const IMPORTED = ["numpy", "numpy.random"]; // imported before a snapshot is taken
// Where Pyodide believes its files are. Nothing is fetched from here: the fetch below answers.
const INDEX_URL = "https://python.invalid/pyodide/";

const output = { stdout: (text) => console.log(text), stderr: (text) => console.warn(text) };
const message = (err) => String(err?.message ? err.message : err);

// Run in a restored interpreter: the generators seeded when they were imported would otherwise
// repeat the same numbers after every restore. Then a probe of NumPy's compiled code.
const AFTER_RESTORE = `
import random, numpy, numpy.random
random.seed()
numpy.random.seed()
assert numpy.einsum("ij,j->i", numpy.arange(12.0).reshape(3, 4), numpy.arange(4.0)).tolist() == [14.0, 38.0, 62.0]
`;

const TYPES = { wasm: "application/wasm", json: "application/json", js: "text/javascript", mjs: "text/javascript" };

/** Replaces this worker's fetch with a lookup in `files` ({name: Uint8Array}) under INDEX_URL. */
function serveFrom(files) {
  self.fetch = async (input) => {
    const url = String(input?.url ? input.url : input);
    const name = url.startsWith(INDEX_URL) ? url.slice(INDEX_URL.length) : null;
    if (!name || !Object.hasOwn(files, name)) throw new TypeError(`Python's sandbox has no network (asked for ${url.slice(0, 100)})`);
    const type = TYPES[name.split(".").pop()] || "application/octet-stream";
    return new Response(files[name], { headers: { "Content-Type": type } });
  };
}

/** Pyodide's two scripts, from the files, as classic scripts of this worker (blob: URLs, which
 * the sandbox's policy allows): the first defines loadPyodide, the second the global factory that
 * loadPyodide uses. (A sandboxed frame's worker cannot load modules from blob: URLs.) */
function importPyodide(files) {
  for (const name of ["pyodide.js", "pyodide.asm.js"]) {
    if (name === "pyodide.asm.js" && typeof globalThis._createPyodideModule === "function") continue;
    const url = URL.createObjectURL(new Blob([files[name]], { type: "text/javascript" }));
    try {
      importScripts(url);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  return globalThis.loadPyodide;
}

/**
 * Start Python. `files`: {name: Uint8Array} of Pyodide's files and the NumPy wheel (by the names
 * pyodide-lock.json gives); `wheel`: the wheel's name; `plain`: take the documented route only;
 * `snapshot`: {memory, state} verified by the page, or null. Returns two promises, for the page's
 * two loading steps: `runtime` (Python runs; after a restore NumPy is in already) and `numpy` (the
 * pyodide instance, NumPy imported). What happened is in self.scratchnetPython.
 */
export function startPython({ files, wheel, plain = false, snapshot = null }) {
  serveFrom(files);
  // What happened, for tests and the curious: self.scratchnetPython in the worker's console.
  const status = { how: "starting", errors: [], pyodide: null, timings: {} };
  globalThis.scratchnetPython = status;
  const started = performance.now();
  const mark = (name) => (status.timings[name] = Math.round(performance.now() - started));
  const fellBack = (what, err) => {
    status.errors.push(`${what}: ${message(err)}`);
    console.warn(`ScratchNet: ${what} (${message(err)}); starting Python another way.`);
  };
  const numpyFiles = () => unzip(files[wheel].slice().buffer);

  const runtime = (async () => {
    if (snapshot && !plain) {
      try {
        const pyodide = await restore(files, snapshot, numpyFiles(), mark);
        status.how = "restored";
        return pyodide;
      } catch (err) {
        fellBack("the stored Python snapshot did not restore", err);
        status.restoreFailed = message(err);
      }
    }
    if (!plain) {
      try {
        const { pyodide } = await bootPreloaded(files, {}, numpyFiles(), mark);
        status.how = "fresh";
        return pyodide;
      } catch (err) {
        fellBack("Python did not start with NumPy preloaded", err);
      }
    }
    status.how = "documented";
    return importPyodide(files)({ indexURL: INDEX_URL, ...output });
  })();

  const numpy = runtime.then(async (pyodide) => {
    mark("python started");
    if (status.how === "documented") {
      await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (text) => console.warn(text) });
    }
    if (status.how !== "restored") pyodide.runPython("import numpy");
    mark("numpy imported");
    status.pyodide = pyodide;
    return pyodide;
  });
  numpy.catch(() => {}); // the caller awaits it only once `runtime` has succeeded
  return { runtime: runtime.then(() => undefined), numpy, status };
}

// --- booting with NumPy preloaded --------------------------------------------------------------------

/** loadPyodide with `preRun` added as the last of Emscripten's preRun hooks. */
async function loadPyodideWith(files, options, preRun, mark) {
  const loadPyodide = importPyodide(files);
  mark("pyodide.asm.js loaded");
  const create = globalThis._createPyodideModule;
  // loadPyodide uses the global factory; this one adds the hook to its settings. Emscripten runs
  // the preRun list last to first, so index 0 runs after Pyodide's own hooks (which make
  // site-packages).
  globalThis._createPyodideModule = (settings) => {
    settings.preRun.unshift(preRun);
    return create(settings);
  };
  try {
    return await loadPyodide({ indexURL: INDEX_URL, ...options });
  } finally {
    globalThis._createPyodideModule = create;
  }
}

/** Boots with NumPy's files (a promise of [path, bytes] pairs) written and its libraries loaded
 * before Python starts; `options` go to loadPyodide. Returns {pyodide, loader}. */
async function bootPreloaded(pyodideFiles, options, files, mark = () => {}) {
  const loader = {};
  Promise.resolve(files).catch(() => {}); // awaited by the hook, if loading gets that far
  const preRun = (Module) => {
    mark("wasm instantiated");
    loader.module = Module;
    Module.addRunDependency("scratchnet-numpy");
    (async () => {
      const sitePackages = Module.API.sitePackages;
      const libraries = [];
      for (const [name, bytes] of await files) {
        const path = `${sitePackages}/${name}`;
        Module.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
        Module.FS.writeFile(path, bytes);
        if (name.endsWith(".so")) libraries.push(path);
      }
      mark("numpy files written");
      // Python's dlopen() of these finds them loaded already, as after loadPackage (same flags).
      const flags = { loadAsync: true, nodelete: true, allowUndefined: true, global: false, fs: Module.FS };
      for (const path of libraries.sort()) await Module.loadDynamicLibrary(path, flags, {});
      loader.layout = { table: Module.wasmTable.length, heap: Module.GOT.__heap_base.value };
      mark("numpy libraries loaded");
    })()
      .catch((err) => (loader.error = err))
      .finally(() => Module.removeRunDependency("scratchnet-numpy"));
  };
  let pyodide;
  try {
    pyodide = await loadPyodideWith(pyodideFiles, { ...output, ...options }, preRun, mark);
  } catch (err) {
    throw loader.error || err; // the hook's failure, if any, is the first cause
  }
  if (loader.error) throw loader.error;
  return { pyodide, loader };
}

// --- making and restoring snapshots ------------------------------------------------------------------

/** Boots afresh, imports NumPy and the app's package (`app`: {zip: Uint8Array, extractDir,
 * module}), and returns a snapshot of it: {memory, state}. Runs in a fresh worker that does
 * nothing else: a snapshot must hold no JavaScript object of an app, and no learner's code. */
export async function makeSnapshot({ files, wheel, app }) {
  serveFrom(files);
  const numpyFiles = await unzip(files[wheel].slice().buffer);
  const { pyodide, loader } = await bootPreloaded(files, { _makeSnapshot: true }, numpyFiles);
  pyodide.runPython(`import ${IMPORTED.join(", ")}`);
  pyodide.unpackArchive(app.zip, "zip", { extractDir: app.extractDir });
  pyodide.pyimport(app.module).destroy();
  const { LDSO, wasmTable } = loader.module;
  // dlsym() may hand out new table slots, which a restore could not put back: refuse to store those.
  if (wasmTable.length !== loader.layout.table) throw new Error("importing took new function-table slots");
  const handles = Object.entries(LDSO.loadedLibsByHandle).map(([handle, dso]) => [Number(handle), dso.name]);
  // Pyodide listed NumPy (found in site-packages at start-up); a snapshot must hold an empty list.
  for (const name of Object.keys(pyodide.loadedPackages)) delete pyodide.loadedPackages[name];
  return { memory: pyodide.makeMemorySnapshot(), state: { layout: loader.layout, handles } };
}

/** Boots from a snapshot ({memory, state}, checked by the page) with NumPy's files from the wheel;
 * returns the pyodide instance. The loader state is checked against the libraries actually loaded. */
async function restore(pyodideFiles, snapshot, numpyFiles, mark) {
  const { memory, state } = snapshot;
  const { pyodide, loader } = await bootPreloaded(pyodideFiles, { _loadSnapshot: memory }, numpyFiles, mark);
  const { layout } = loader;
  if (!state?.layout || layout.table !== state.layout.table || layout.heap !== state.layout.heap) {
    throw new Error("NumPy's libraries did not load where the snapshot expects them");
  }
  const { LDSO } = loader.module;
  if (!Array.isArray(state.handles)) throw new Error("the snapshot's library list is malformed");
  for (const [handle, name] of state.handles) {
    if (!Number.isInteger(handle) || typeof name !== "string" || !Object.hasOwn(LDSO.loadedLibsByName, name)) {
      throw new Error(`the snapshot expects a library ${String(name).slice(0, 80)} that NumPy does not have`);
    }
    LDSO.loadedLibsByHandle[handle] = LDSO.loadedLibsByName[name];
  }
  pyodide.loadedPackages.numpy = "default channel"; // as loadPackage marks it, so it is never loaded twice
  pyodide.runPython(AFTER_RESTORE);
  mark("restored and probed");
  return pyodide;
}
