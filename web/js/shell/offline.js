// Offline use: registers the service worker (sw.js, beside index.html), which keeps this build of
// the site for use with no network, and tells the learner when a new build is ready or when the
// browser refused the storage. The worker's scope is the app's own folder: a course page that
// embeds the app is never taken over, even on the same site.
//
// For tests and the curious, globalThis.scratchnetOffline and <html data-offline> say where it is:
// "starting" (it waits a few seconds first), "unsupported" (no service workers here, not over https, or in another origin's frame), "installing" (keeping the files),
// "ready" (this page is served from the kept build: it works offline), "update-ready" (a newer
// build is kept and waits for a reload), "refused" (the browser gave no storage) or "failed".

const $ = (id) => document.getElementById(id);
const status = { state: "starting", version: null, detail: "", done: 0, total: 0 };
let reloading = false;

function set(state, fields = {}) {
  Object.assign(status, { state, ...fields });
  document.documentElement.dataset.offline = state;
}

function show(text, { reload = false } = {}) {
  $("offline-text").textContent = text;
  $("offline-reload").hidden = !reload;
  $("offline-notice").hidden = false;
}

// An update found while this page was open: the learner decides when to reload.
function updateReady(registration) {
  set("update-ready");
  show("A new version of ScratchNet is ready. Reload the page to use it (your drafts and run history are kept).", { reload: true });
  $("offline-reload").onclick = () => {
    reloading = true;
    if (registration.waiting) registration.waiting.postMessage({ scratchnetOffline: "skip-waiting" });
    else location.reload();
  };
}

function refused(reason) {
  set("refused", { detail: reason });
  show("This browser did not give ScratchNet the storage it needs to work offline " +
    `(${reason}). It works as usual while you are online.`);
}

// Follows a new worker until it is installed (an update waits for a reload) or fails.
function track(registration, worker) {
  if (!navigator.serviceWorker.controller) set("installing");
  worker.addEventListener("statechange", () => {
    if (worker.state === "installed" && navigator.serviceWorker.controller) updateReady(registration);
  });
}

function onMessage(event) {
  const data = event.data;
  if (!data || typeof data !== "object" || !data.scratchnetOffline) return;
  if (data.scratchnetOffline === "status" && event.source === navigator.serviceWorker.controller) {
    status.version = data.version;
    if (status.state !== "update-ready") set("ready", { detail: `${data.files} files, ${Math.round(data.bytes / 1e6)} MB` });
  } else if (data.scratchnetOffline === "progress" && status.state === "installing") {
    Object.assign(status, { done: data.done, total: data.total });
  } else if (data.scratchnetOffline === "failed") {
    if (data.refused) refused(data.reason);
    else if (status.state !== "ready" && status.state !== "update-ready") set("failed", { detail: data.reason });
  }
}

/** Is this page in a frame of a page from another origin? There no service worker is used:
 * Chromium was seen not to apply the sandbox header (see python/sandbox.js) to a frame that a
 * service worker served inside such a frame, and browsers partition or refuse storage there. */
export function inOtherOriginsFrame() {
  try {
    return window.top !== window && window.top.location.origin !== location.origin;
  } catch {
    return true; // reading another origin's location throws
  }
}

const askStatus = () => navigator.serviceWorker.controller?.postMessage({ scratchnetOffline: "status" });

const QUIET_MS = 5000; // keeping 27 MB costs a few seconds of disk and CPU: not in the first moments of use

/** Registers the service worker for this page's folder and reports on it, a few seconds after the
 * page is ready, when the browser is idle. Never throws: the page works online whatever happens. */
export function startOffline() {
  globalThis.scratchnetOffline = status;
  document.documentElement.dataset.offline = status.state;
  const go = () => register().catch((err) => set("failed", { detail: String(err?.message || err) }));
  setTimeout(() => (typeof requestIdleCallback === "function" ? requestIdleCallback(go, { timeout: QUIET_MS }) : go()), QUIET_MS);
}

async function register() {
  if (!("serviceWorker" in navigator) || !isSecureContext) return set("unsupported");
  if (inOtherOriginsFrame()) return set("unsupported", { detail: "in a frame of another origin's page" });
  if (typeof caches === "undefined") return refused("Cache Storage is not available");
  const container = navigator.serviceWorker;
  container.addEventListener("message", onMessage);
  const hadController = Boolean(container.controller);
  container.addEventListener("controllerchange", () => {
    if (reloading) location.reload();
    else if (hadController) {
      set("update-ready");
      show("ScratchNet was updated in another tab. Reload the page to use the new version.", { reload: true });
      $("offline-reload").onclick = () => location.reload();
    } else askStatus(); // a first visit's page, now served by the worker
  });
  const scope = new URL("./", location.href).href;
  let registration;
  try {
    registration = await container.register(new URL("sw.js", scope).href, { scope, updateViaCache: "none" });
  } catch (err) {
    if (err?.name === "SecurityError") return refused(`${err.message}`);
    return set("failed", { detail: `${err?.name}: ${err?.message}` });
  }
  if (registration.installing) track(registration, registration.installing);
  registration.addEventListener("updatefound", () => track(registration, registration.installing));
  if (registration.waiting && container.controller) updateReady(registration);
  askStatus();
}
