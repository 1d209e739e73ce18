// Starting Python in a worker: Pyodide with NumPy imported. A visit after the first restores a
// memory snapshot, made by a fresh worker while an earlier visit sat idle; the first visit, and
// any visit whose snapshot is missing or fails a check, boots the plain way.
//
// Pyodide 0.27.7 has (undocumented) snapshot options, `_makeSnapshot` and `_loadSnapshot`, but a
// snapshot is only WebAssembly linear memory: NumPy's compiled modules (.so files) live outside
// it, as WebAssembly instances of their own with slots in the function table. So the run that
// makes a snapshot and every run that restores one load all of NumPy's .so files, in one sorted
// order, before Python starts (an Emscripten preRun hook): the libraries then sit at the same
// memory and table addresses in both runs, and the function pointers inside the snapshot stay
// valid. Two pieces of loader state that live in JavaScript are recorded beside the snapshot and
// put back after a restore: which library each C-side handle stands for, and the table slots that
// dlsym() handed out while Python imported NumPy.
//
// A snapshot is keyed on Pyodide's BUILD_ID, the NumPy wheel's sha256 and the site build (all in
// manifest.json); it is checked against its own SHA-256 before use and probed after. Any failure
// drops it, boots the plain way and makes a new one later. `?boot=plain` in the page's address
// boots the plain way and neither reads nor makes a snapshot.

const CACHE_NAME = "scratchnet-python-snapshot"; // Cache Storage: the fastest store to read 36 MB from
const META_HEADER = "x-scratchnet-snapshot"; // the snapshot's key, checksum and loader state, as JSON
const IMPORTED = ["numpy", "numpy.random"]; // imported before a snapshot is taken
const IDLE_MS = 2000; // this worker's event loop free this long before a snapshot is made
const MAX_FAILURES = 2; // restores of one key that may fail before no more snapshots are made for it
const LOCK_NAME = "scratchnet-python-snapshot"; // one page (of several widgets) makes it, the others wait

const output = { stdout: (text) => console.log(text), stderr: (text) => console.warn(text) };

// Run in the restored interpreter: the generators seeded at import time would otherwise repeat the
// same numbers after every restore; then a probe of NumPy's compiled code, with known answers.
const AFTER_RESTORE = `
import random, numpy, numpy.random
random.seed()
numpy.random.seed()
assert numpy.einsum("ij,j->i", numpy.arange(12.0).reshape(3, 4), numpy.arange(4.0)).tolist() == [14.0, 38.0, 62.0]
assert abs(numpy.linalg.det(numpy.array([[2.0, 1.0], [1.0, 3.0]])) - 5.0) < 1e-12
assert numpy.random.default_rng(1).integers(0, 1000, 3).tolist() == [473, 511, 755]
`;

/**
 * Start Python. Returns two promises, for the page's two loading steps: `runtime` (Python runs;
 * after a restore, NumPy is already in) and `numpy` (the pyodide instance, NumPy imported).
 * `manifest` is the site's manifest.json; `pageUrl` the page's address (for `?boot=plain`).
 */
export function startPython({ indexURL, manifest, pageUrl }) {
  const site = describeSite(indexURL, manifest, pageUrl);
  // What happened, for tests and for curious developers (worker.evaluate in Playwright, the console).
  const status = { how: "starting", restoreError: null, snapshot: null, pyodide: null };
  globalThis.scratchnetPython = status;

  const runtime = (async () => {
    const stored = site.key ? await readSnapshot(site).catch(() => null) : null;
    if (stored) {
      try {
        const pyodide = await restore(site, stored);
        status.how = "restored";
        return pyodide;
      } catch (err) {
        status.restoreError = String(err && err.message ? err.message : err);
        console.warn(`ScratchNet: the stored Python snapshot did not restore (${status.restoreError}); starting the plain way.`);
        await dropSnapshot(site, { failed: true }).catch(() => {});
      }
    }
    status.how = "plain";
    return loadPyodideWith(site.indexURL, output);
  })();

  const numpy = runtime.then(async (pyodide) => {
    if (status.how === "plain") {
      await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (text) => console.warn(text) });
      pyodide.runPython("import numpy");
      if (site.key) status.snapshot = makeSnapshotWhenIdle(site);
    }
    status.pyodide = pyodide;
    return pyodide;
  });
  numpy.catch(() => {}); // the caller awaits it only once `runtime` has succeeded
  return { runtime: runtime.then(() => undefined), numpy };
}

/** What runtime.js needs to know about the site, as plain data (it is posted to the snapshot worker). */
function describeSite(indexURL, manifest, pageUrl) {
  const base = indexURL.endsWith("/") ? indexURL : `${indexURL}/`;
  const plain = new URL(pageUrl).searchParams.get("boot") === "plain";
  const { pyodide_build_id: buildId, numpy_wheel: wheel, numpy_sha256: sha256, build } = manifest;
  const usable = !plain && buildId && wheel && sha256 && build && typeof caches !== "undefined";
  const key = usable ? `${buildId}-${sha256}-${build}` : null;
  return {
    indexURL: base,
    key,
    wheelURL: wheel ? new URL(wheel, base).href : null,
    wheelIntegrity: sha256 ? `sha256-${hexToBase64(sha256)}` : null,
    // One entry per copy of the site (the key rides in the query, so old ones can be found).
    slot: key ? new URL(`python-snapshot?key=${key}`, new URL("./", pageUrl)).href : null,
  };
}

// --- loading Pyodide with NumPy's libraries preloaded -----------------------------------------------

/** loadPyodide, with `preRun` (if any) added as the last of Emscripten's preRun hooks. */
async function loadPyodideWith(indexURL, options, preRun) {
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  if (!preRun) return loadPyodide({ indexURL, ...options });
  if (typeof globalThis._createPyodideModule !== "function") await import(`${indexURL}pyodide.asm.js`);
  const create = globalThis._createPyodideModule;
  // loadPyodide calls the global factory if it exists; this one adds the hook to its settings.
  // Emscripten runs the preRun list last to first, so index 0 runs after Pyodide's own hooks
  // (which make site-packages).
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

/**
 * The preRun hook that writes NumPy's files into site-packages and loads all its .so files, in
 * sorted order, before Python starts. `files` is a promise of [path, bytes] pairs; `loader` gets
 * the Emscripten module, the table length after loading, and any error.
 */
function preloadNumpy(files, loader) {
  return (Module) => {
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
      for (const path of libraries.sort()) {
        await Module.loadDynamicLibrary(path, { loadAsync: true, nodelete: true, allowUndefined: true, global: false, fs: Module.FS }, {});
      }
      loader.tableLength = Module.wasmTable.length;
    })()
      .catch((err) => {
        loader.error = err;
      })
      .finally(() => Module.removeRunDependency("scratchnet-numpy"));
  };
}

/** The NumPy wheel (checked by the browser against its sha256) unpacked: [path, bytes] pairs. */
async function wheelFiles(site) {
  const response = await fetch(site.wheelURL, { integrity: site.wheelIntegrity });
  if (!response.ok) throw new Error(`NumPy wheel: ${response.status} ${response.statusText}`);
  return unzip(await response.arrayBuffer());
}

const utf8 = new TextDecoder();

/** The files of a zip archive as [path, bytes] pairs, inflated by the browser's DecompressionStream.
 * Only what wheels use: stored or deflated entries, no zip64, no encryption. */
async function unzip(buffer) {
  const view = new DataView(buffer);
  let end = buffer.byteLength - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error("the NumPy wheel is not a zip file");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error("the NumPy wheel's file list is damaged");
    const method = view.getUint16(at + 10, true);
    const [packed, size] = [view.getUint32(at + 20, true), view.getUint32(at + 24, true)];
    const nameLength = view.getUint16(at + 28, true);
    const name = utf8.decode(new Uint8Array(buffer, at + 46, nameLength));
    const local = view.getUint32(at + 42, true);
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (name.endsWith("/")) continue;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    files.push(inflate(new Uint8Array(buffer, start, packed), method).then((bytes) => {
      if (bytes.length !== size) throw new Error(`the NumPy wheel's ${name} is damaged`);
      return [name, bytes];
    }));
  }
  return Promise.all(files);
}

async function inflate(bytes, method) {
  if (method === 0) return bytes;
  if (method !== 8) throw new Error(`unsupported zip compression method ${method}`);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// --- making and restoring a snapshot -----------------------------------------------------------------

/** Boot with NumPy preloaded, import it, and take a snapshot: {bytes, loader state}. Runs in a
 * fresh worker (snapshot-worker.js): a snapshot must not hold any JavaScript object of an app. */
export async function makeSnapshot(site) {
  const loader = {};
  const pyodide = await loadPyodideWith(site.indexURL, { ...output, _makeSnapshot: true },
    preloadNumpy(wheelFiles(site), loader));
  if (loader.error) throw loader.error;
  pyodide.runPython(`import ${IMPORTED.join(", ")}`);
  const state = loaderState(loader.module, loader.tableLength);
  // Pyodide found NumPy in site-packages at start-up and listed it; a snapshot must hold an empty list.
  for (const name of Object.keys(pyodide.loadedPackages)) delete pyodide.loadedPackages[name];
  const bytes = pyodide.makeMemorySnapshot();
  await storeSnapshot(site, bytes, state);
  return { bytes: bytes.length, ...state.summary };
}

/** The loader state a restore must put back: C-side library handles and the table slots added
 * after the libraries were loaded, each named by the library and export it holds. */
function loaderState(Module, tableLength) {
  const { LDSO, wasmTable } = Module;
  const handles = Object.entries(LDSO.loadedLibsByHandle).map(([handle, dso]) => [Number(handle), dso.name]);
  const owners = new Map();
  for (const [library, dso] of Object.entries(LDSO.loadedLibsByName)) {
    for (const [symbol, value] of Object.entries(dso.exports || {})) {
      if (typeof value === "function" && !owners.has(value)) owners.set(value, [library, symbol]);
    }
  }
  const slots = [];
  for (let i = tableLength; i < wasmTable.length; i++) {
    const entry = wasmTable.get(i);
    slots.push(entry === null ? null : owners.get(entry) || "unknown");
  }
  return {
    handles, tableLength, slots,
    summary: { tableLength, tableEnd: wasmTable.length, unknown: slots.filter((s) => s === "unknown").length },
  };
}

/** Put the loader state recorded with the snapshot back (after loadPyodide restored memory). */
function putBackLoaderState(Module, loader, state) {
  const { LDSO, wasmTable } = Module;
  if (loader.tableLength !== state.tableLength) {
    throw new Error(`NumPy's libraries ended at table slot ${loader.tableLength}, not ${state.tableLength}`);
  }
  for (const [handle, name] of state.handles) {
    const dso = LDSO.loadedLibsByName[name];
    if (!dso) throw new Error(`the snapshot expects a library ${name} that is not loaded`);
    LDSO.loadedLibsByHandle[handle] = dso;
  }
  console.log("table after restore", wasmTable.length, state.tableLength, state.slots.length);
  const end = state.tableLength + state.slots.length;
  if (wasmTable.length < end) wasmTable.grow(end - wasmTable.length);
  state.slots.forEach((slot, i) => {
    if (Array.isArray(slot)) wasmTable.set(state.tableLength + i, LDSO.loadedLibsByName[slot[0]].exports[slot[1]]);
  });
}

async function restore(site, stored) {
  const loader = {};
  const pyodide = await loadPyodideWith(site.indexURL, { ...output, _loadSnapshot: stored.bytes },
    preloadNumpy(wheelFiles(site), loader));
  if (loader.error) throw loader.error;
  putBackLoaderState(loader.module, loader, stored.meta.state);
  pyodide.loadedPackages.numpy = "default channel"; // as loadPackage marks it, so it is not loaded twice
  pyodide.runPython(AFTER_RESTORE);
  return pyodide;
}

// --- where snapshots are kept ---------------------------------------------------------------------

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function hexToBase64(hex) {
  return btoa(String.fromCharCode(...hex.match(/../g).map((pair) => parseInt(pair, 16))));
}

/** The stored snapshot for this site's key: {meta, bytes: a promise of the checked bytes}, or null. */
async function readSnapshot(site) {
  const cache = await caches.open(CACHE_NAME);
  const response = await cache.match(site.slot);
  if (!response) return null;
  const meta = JSON.parse(response.headers.get(META_HEADER));
  if (meta.key !== site.key) return null;
  const bytes = response.arrayBuffer().then(async (buffer) => {
    if (buffer.byteLength !== meta.length || (await sha256Hex(buffer)) !== meta.sha256) {
      throw new Error("the stored snapshot does not match its checksum");
    }
    return new Uint8Array(buffer);
  });
  bytes.catch(() => {}); // seen by loadPyodide, which awaits it
  return { meta, bytes };
}

async function storeSnapshot(site, bytes, state) {
  const meta = { key: site.key, length: bytes.length, sha256: await sha256Hex(bytes), state };
  const cache = await caches.open(CACHE_NAME);
  for (const old of await cache.keys(site.slot, { ignoreSearch: true })) await cache.delete(old);
  await cache.put(site.slot, new Response(bytes, {
    headers: { "content-type": "application/octet-stream", [META_HEADER]: JSON.stringify(meta) },
  }));
}

/** Drops the stored snapshot; with `failed`, counts a failed restore of this key. */
async function dropSnapshot(site, { failed }) {
  const cache = await caches.open(CACHE_NAME);
  await cache.delete(site.slot);
  if (failed) await cache.put(`${site.slot}&failures`, new Response(String((await failures(site)) + 1)));
}

async function failures(site) {
  const cache = await caches.open(CACHE_NAME);
  const response = await cache.match(`${site.slot}&failures`);
  return response ? Number(await response.text()) || 0 : 0;
}

// --- making one later, at idle --------------------------------------------------------------------

/** Resolves once this worker's event loop has been free for `ms` in a row: timers that fire on
 * time mean no Python call (the first evaluation, a chunk of training) is running. */
function idle(ms, tick = 100, slack = 50) {
  return new Promise((resolve) => {
    let quietSince = performance.now();
    let due = quietSince + tick;
    const check = () => {
      const now = performance.now();
      if (now - due > slack) quietSince = now;
      if (now - quietSince >= ms) return resolve();
      due = now + tick;
      setTimeout(check, tick);
    };
    setTimeout(check, tick);
  });
}

/** Makes and stores a snapshot in a fresh worker once this one is idle; resolves to what happened. */
async function makeSnapshotWhenIdle(site) {
  try {
    if ((await failures(site)) >= MAX_FAILURES) return "not made: restoring this build failed before";
    await idle(IDLE_MS);
    const make = async () => {
      if (await (await caches.open(CACHE_NAME)).match(site.slot)) return "already stored";
      return inFreshWorker(site);
    };
    if (!navigator.locks) return await make();
    return await navigator.locks.request(LOCK_NAME, make);
  } catch (err) {
    console.warn(`ScratchNet: no Python snapshot was made (${err.message || err}).`);
    return `failed: ${err.message || err}`;
  }
}

function inFreshWorker(site) {
  const worker = new Worker(new URL("./snapshot-worker.js", import.meta.url), { type: "module", name: "scratchnet-snapshot" });
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.ok ? resolve(`stored: ${JSON.stringify(data.made)}`) : reject(new Error(data.error)));
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message || "the snapshot worker could not start"));
    };
    worker.postMessage(site);
  }).finally(() => worker.terminate());
}
