// Everything a Python worker needs, downloaded once by the trusted page and kept in memory: the
// worker's own code, Pyodide's files, the NumPy wheel (checked against its sha256 by the browser),
// the ScratchNet package, the digits and the pretrained model. Workers have no network: each one
// is handed copies of these bytes (see worker-client.js). The snapshot key is worked out here too.

const PYODIDE_FILES = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

/** A download failed (the network or the server), as opposed to code that failed to run. */
export class DownloadError extends Error {
  /** `answered`: the server answered (with an error status), as opposed to no answer at all. */
  constructor(message, { answered = false } = {}) {
    super(message);
    this.name = "DownloadError";
    this.answered = answered;
  }
}

const megabytes = (n) => (n / 1e6).toFixed(1);

/** The bytes at `url`; `onProgress(text)` (optional) hears how far it got, at most ten times a second. */
async function fetchBytes(url, what, { onProgress = null, integrity = undefined } = {}) {
  let response;
  try {
    response = await fetch(url, integrity ? { integrity } : {});
  } catch (err) {
    throw new DownloadError(`Could not download ${what} (${url.pathname}): ${err.message}.`);
  }
  if (!response.ok) {
    const reason = `${response.status} ${response.statusText}`.trim();
    throw new DownloadError(`Could not download ${what}: the server answered "${reason}" for ${url.pathname}.`, { answered: true });
  }
  const total = Number(response.headers.get("content-length")) || 0;
  if (!onProgress || !response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  let last = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    if (performance.now() - last > 100) {
      last = performance.now();
      onProgress(total ? `${megabytes(received)} of ${megabytes(total)} MB` : `${megabytes(received)} MB`);
    }
  }
  return new Uint8Array(await new Blob(chunks).arrayBuffer());
}

const base64 = (hex) => btoa(String.fromCharCode(...hex.match(/../g).map((h) => parseInt(h, 16))));

/**
 * Downloads the site's files; `onStep({id, state, detail})` hears the "data" step (the largest
 * download). Resolves, once the manifest is in, to {manifest, wheel (its name), plain, snapshotKey
 * (null when snapshots are not used), slot} and two promises: `python`, {worker (its code as text),
 * pyodide: {name: bytes} with the wheel}, and `app`, {zip, data, model}: a worker can boot Python
 * while the app's files still download.
 */
export async function downloadSite(pageUrl, onStep) {
  const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes(new URL("manifest.json", pageUrl), "the site's file list (manifest.json)")));
  const url = (key) => {
    if (!manifest[key]) throw new DownloadError(`manifest.json does not say where "${key}" is.`);
    return new URL(manifest[key], pageUrl);
  };
  const folder = url("pyodide");
  const { numpy_wheel: wheel, numpy_sha256: sha256, pyodide_build_id: buildId, build, snapshot_code: code } = manifest;
  if (!wheel || !sha256) throw new DownloadError("manifest.json does not name the NumPy wheel.");
  const python = Promise.all([
    fetchBytes(new URL("js/worker.js", pageUrl), "the Python worker's code"),
    fetchBytes(new URL(wheel, folder), "NumPy", { integrity: `sha256-${base64(sha256)}` }),
    ...PYODIDE_FILES.map((name) => fetchBytes(new URL(name, folder), `Python (${name})`)),
  ]).then(([worker, wheelBytes, ...files]) => ({
    worker: new TextDecoder().decode(worker),
    pyodide: { ...Object.fromEntries(PYODIDE_FILES.map((name, i) => [name, files[i]])), [wheel]: wheelBytes },
  }));
  onStep({ id: "data", state: "active" });
  const data = fetchBytes(url("data"), "the MNIST digits", { onProgress: (detail) => onStep({ id: "data", state: "active", detail }) });
  data.then(() => onStep({ id: "data", state: "done" }), () => onStep({ id: "data", state: "error" }));
  const app = Promise.all([fetchBytes(url("package"), "the ScratchNet Python code"), data, fetchBytes(url("model"), "the pretrained model")])
    .then(([zip, digits, model]) => ({ zip, data: digits, model }));
  python.catch(() => {});
  app.catch(() => {}); // both are awaited by whoever boots a worker
  const plain = new URL(pageUrl).searchParams.get("boot") === "plain";
  return {
    manifest,
    wheel,
    plain,
    python,
    app,
    // Pyodide checks the whole BUILD_ID itself; the rest changes with NumPy, the app or the snapshot code.
    snapshotKey: buildId && build && code && !plain ? [buildId.slice(0, 16), sha256.slice(0, 16), build, code].join("-") : null,
    slot: new URL("python-snapshot", new URL("./", pageUrl)).href, // one stored snapshot per copy of the site
  };
}
