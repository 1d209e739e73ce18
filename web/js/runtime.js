// Starting Python in a worker: Pyodide with NumPy imported. A visit after the first restores a
// memory snapshot that a fresh worker made while an earlier visit sat idle; a first visit boots
// afresh and then makes that snapshot. Any failure falls back to the next way: a restore to a fresh
// boot, a fresh boot to Pyodide's own documented route (loadPackage).
//
// Pyodide 0.27.7 has undocumented snapshot options, `_makeSnapshot` and `_loadSnapshot`, but a
// snapshot is only WebAssembly linear memory: NumPy's compiled modules (.so files) live outside it,
// as WebAssembly instances of their own with slots in the function table. So every boot but the
// documented one writes NumPy's files into site-packages and loads all its .so files, in sorted
// order, before Python starts (an Emscripten preRun hook). The libraries then sit at the same memory
// and table addresses in the run that makes a snapshot and in every run that restores it, and the
// function pointers inside the snapshot stay valid. The one piece of loader state that lives in
// JavaScript, which library each C-side dlopen() handle stands for, is recorded with the snapshot
// and put back. (It is also quicker than loadPackage, whose unpacking runs in Python.)
//
// A snapshot is keyed on Pyodide's BUILD_ID, the NumPy wheel's sha256, the site build and the code
// that makes snapshots (manifest.json, from build.py), checked against its SHA-256 before use and
// probed after. A failed restore drops it, and a new one is made later (snapshot-at-idle.js).
// `?boot=plain` in the page's address takes the documented route and neither reads nor makes a
// snapshot: the reference boot.

import { makeSnapshotWhenIdle } from "./snapshot-at-idle.js";
import { clearFailures, dropSnapshot, readSnapshot, writeSnapshot } from "./snapshot-store.js";
import { unzip } from "./unzip.js";

const IMPORTED = ["numpy", "numpy.random"]; // imported before a snapshot is taken

const output = { stdout: (text) => console.log(text), stderr: (text) => console.warn(text) };
const message = (err) => String(err && err.message ? err.message : err);

// Run in a restored interpreter: the generators seeded when they were imported would otherwise
// repeat the same numbers after every restore. Then a probe of NumPy's compiled code.
const AFTER_RESTORE = `
import random, numpy, numpy.random
random.seed()
numpy.random.seed()
assert numpy.einsum("ij,j->i", numpy.arange(12.0).reshape(3, 4), numpy.arange(4.0)).tolist() == [14.0, 38.0, 62.0]
`;

/**
 * Start Python. Returns two promises, for the page's two loading steps: `runtime` (Python runs;
 * after a restore NumPy is in already) and `numpy` (the pyodide instance, NumPy imported).
 * `manifest` is the site's manifest.json; `pageUrl` the page's address (for `?boot=plain`);
 * `app` (optional), {archive: URL of a zip, extractDir, module}: a package that snapshots hold
 * unpacked and imported (the caller still unpacks and imports it: after a restore that is quick).
 */
export function startPython({ indexURL, manifest, pageUrl, app = null }) {
  const site = describeSite(indexURL, manifest, pageUrl, app);
  // What happened, for tests and the curious: self.scratchnetPython in the worker's console.
  const status = { how: "starting", errors: [], snapshot: null, pyodide: null, timings: {} };
  globalThis.scratchnetPython = status;
  const started = performance.now();
  const mark = (name) => (status.timings[name] = Math.round(performance.now() - started));
  const fellBack = (what, err) => {
    status.errors.push(`${what}: ${message(err)}`);
    console.warn(`ScratchNet: ${what} (${message(err)}); starting Python another way.`);
  };

  const runtime = (async () => {
    if (site.key) {
      const stored = await readSnapshot(site.slot, site.key).catch(() => null);
      if (stored) {
        try {
          const pyodide = await restore(site, stored.contents, mark);
          status.how = "restored";
          clearFailures(site.slot, site.key).catch(() => {});
          return pyodide;
        } catch (err) {
          fellBack("the stored Python snapshot did not restore", err);
          await dropSnapshot(site.slot, site.key, { failed: true }).catch(() => {});
        }
      }
    }
    if (!site.documented) {
      try {
        const { pyodide } = await bootPreloaded(site, {}, wheelFiles(site), mark);
        status.how = "fresh";
        return pyodide;
      } catch (err) {
        fellBack("Python did not start with NumPy preloaded", err);
      }
    }
    status.how = "documented";
    return loadPyodideWith(site.indexURL, output);
  })();

  const numpy = runtime.then(async (pyodide) => {
    mark("python started");
    if (status.how === "documented") {
      await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (text) => console.warn(text) });
    }
    if (status.how !== "restored") pyodide.runPython("import numpy");
    mark("numpy imported");
    if (status.how === "fresh" && site.key) status.snapshot = makeSnapshotWhenIdle(site, status.errors);
    status.pyodide = pyodide;
    return pyodide;
  });
  numpy.catch(() => {}); // the caller awaits it only once `runtime` has succeeded
  return { runtime: runtime.then(() => undefined), numpy };
}

/** What runtime.js needs to know, as plain data (it is posted to the snapshot worker too). */
function describeSite(indexURL, manifest, pageUrl, app) {
  const base = indexURL.endsWith("/") ? indexURL : `${indexURL}/`;
  const documented = new URL(pageUrl).searchParams.get("boot") === "plain";
  const { pyodide_build_id: buildId, numpy_wheel: wheel, numpy_sha256: sha256, build, snapshot_code: code } = manifest;
  const preloadable = Boolean(wheel && sha256);
  const storable = preloadable && buildId && build && code && typeof caches !== "undefined";
  return {
    indexURL: base,
    documented: documented || !preloadable,
    // Pyodide checks the whole BUILD_ID itself; the rest changes with NumPy, the app or this code.
    key: storable && !documented ? [buildId.slice(0, 16), sha256.slice(0, 16), build, code].join("-") : null,
    slot: new URL("python-snapshot", new URL("./", pageUrl)).href, // one stored snapshot per copy of the site
    wheelURL: wheel ? new URL(wheel, base).href : null,
    wheelIntegrity: sha256 ? `sha256-${btoa(String.fromCharCode(...sha256.match(/../g).map((h) => parseInt(h, 16))))}` : null,
    app: app && { archive: String(app.archive), extractDir: app.extractDir, module: app.module },
  };
}

// --- booting with NumPy preloaded --------------------------------------------------------------------

/** loadPyodide, with `preRun` (if any) added as the last of Emscripten's preRun hooks. */
async function loadPyodideWith(indexURL, options, preRun, mark = () => {}) {
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  if (!preRun) return loadPyodide({ indexURL, ...options });
  if (typeof globalThis._createPyodideModule !== "function") await import(`${indexURL}pyodide.asm.js`);
  mark("pyodide.asm.js loaded");
  const create = globalThis._createPyodideModule;
  // loadPyodide uses the global factory when there is one; this one adds the hook to its settings.
  // Emscripten runs the preRun list last to first, so index 0 runs after Pyodide's own hooks (which
  // make site-packages).
  globalThis._createPyodideModule = (settings) => {
    settings.preRun.unshift(preRun);
    return create(settings);
  };
  try {
    return await loadPyodide({ indexURL, ...options });
  } finally {
    globalThis._createPyodideModule = create;
  }
}

/** Boots with NumPy's files (a promise of [path, bytes] pairs) written and its libraries loaded
 * before Python starts; `options` go to loadPyodide. Returns {pyodide, loader}. */
async function bootPreloaded(site, options, files, mark = () => {}) {
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
    pyodide = await loadPyodideWith(site.indexURL, { ...output, ...options }, preRun, mark);
  } catch (err) {
    throw loader.error || err; // the hook's failure, if any, is the first cause
  }
  if (loader.error) throw loader.error;
  return { pyodide, loader };
}

/** The NumPy wheel (which the browser checks against its sha256), unpacked. */
async function wheelFiles(site) {
  const response = await fetch(site.wheelURL, { integrity: site.wheelIntegrity });
  if (!response.ok) throw new Error(`could not download NumPy: ${response.status} ${response.statusText}`);
  return unzip(await response.arrayBuffer());
}

// --- making and restoring snapshots ------------------------------------------------------------------

/** Boots afresh, imports NumPy (and the app), and stores a snapshot. Runs in a fresh worker
 * (snapshot-worker.js): a snapshot must not hold any JavaScript object of an app. */
export async function makeSnapshot(site) {
  const files = await wheelFiles(site);
  const { pyodide, loader } = await bootPreloaded(site, { _makeSnapshot: true }, files);
  pyodide.runPython(`import ${IMPORTED.join(", ")}`);
  if (site.app) {
    const response = await fetch(site.app.archive);
    if (!response.ok) throw new Error(`could not download ${site.app.archive}: ${response.status}`);
    pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: site.app.extractDir });
    pyodide.pyimport(site.app.module).destroy();
  }
  const { LDSO, wasmTable } = loader.module;
  // dlsym() may hand out new table slots, which a restore could not put back: refuse to store those.
  if (wasmTable.length !== loader.layout.table) throw new Error("importing took new function-table slots");
  const handles = Object.entries(LDSO.loadedLibsByHandle).map(([handle, dso]) => [Number(handle), dso.name]);
  // Pyodide listed NumPy (found in site-packages at start-up); a snapshot must hold an empty list.
  for (const name of Object.keys(pyodide.loadedPackages)) delete pyodide.loadedPackages[name];
  const memory = pyodide.makeMemorySnapshot();
  await writeSnapshot(site.slot, site.key, memory, files, { layout: loader.layout, handles });
  return { megabytes: Math.round(memory.length / 1e5) / 10 };
}

/** Boots from a stored snapshot (a promise of {memory, files, state}); returns the pyodide instance. */
async function restore(site, stored, mark) {
  stored.then(() => mark("snapshot read"), () => {});
  const memory = stored.then((s) => s.memory);
  memory.catch(() => {}); // loadPyodide awaits it only once pyodide.asm.js is in: not unhandled meanwhile
  const { pyodide, loader } = await bootPreloaded(site, { _loadSnapshot: memory }, stored.then((s) => s.files), mark);
  const { state } = await stored;
  const { layout } = loader;
  if (layout.table !== state.layout.table || layout.heap !== state.layout.heap) {
    throw new Error("NumPy's libraries did not load where the snapshot expects them");
  }
  const { LDSO } = loader.module;
  for (const [handle, name] of state.handles) {
    if (!LDSO.loadedLibsByName[name]) throw new Error(`the snapshot expects a library ${name}`);
    LDSO.loadedLibsByHandle[handle] = LDSO.loadedLibsByName[name];
  }
  pyodide.loadedPackages.numpy = "default channel"; // as loadPackage marks it, so it is never loaded twice
  pyodide.runPython(AFTER_RESTORE);
  mark("restored and probed");
  return pyodide;
}
