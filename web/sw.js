// The service worker: keeps one build of the site in Cache Storage, so that after one visit the
// page opens, draws, trains and checks code with no network. Registered by js/shell/offline.js
// with the app's own folder as its scope, never a course page's.
//
// build.py writes BUILD below: the build's version (a hash of every file it lists) and its files,
// each with its sha256, so that a new build is a new script (browsers install it as an update)
// and every file is fetched with `integrity`: a cache holds one build's exact files or is not used.
// Each build has its own cache. A page is served entirely from the cache of the build it was
// opened with, even after a newer build takes over, until it is reloaded; a cache is deleted once
// no open page uses it. Files not in the list (a course page beside the app, say) go to the
// network as usual. The Python snapshot cache (snapshot-store.js) is never touched.

const BUILD = null; // written by build.py: {version, files: [[path, "sha256-...", bytes], ...]}

const SCOPE = self.registration.scope;
const PREFIX = `scratchnet-offline ${SCOPE} `; // Cache Storage is per origin: the scope keeps copies apart
const CLIENTS = `scratchnet-offline-clients ${SCOPE}`; // which build each open page was served from
const CLIENTS_KEY = `${SCOPE}__clients.json`;
const AT_ONCE = 4; // downloads in flight while installing
const HEADROOM = 1.2; // the storage asked for, over the files' own size

const files = new Map((BUILD ? BUILD.files : []).map(([path, integrity, bytes]) => [path, { integrity, bytes }]));
const cacheName = (version) => PREFIX + version;

/** Tells every page of this scope (controlled or not) `message`. */
async function tell(message) {
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    client.postMessage({ scratchnetOffline: message.type, ...message });
  }
}

function storageRefused(err) {
  return err?.name === "QuotaExceededError" || err?.name === "SecurityError";
}

const ATTEMPTS = 3; // a build's cache deleted while it was being filled is filled again, this many times in all

async function precache(attempt = 1) {
  if (!BUILD) throw new Error("this copy of sw.js was not written by build.py");
  if (typeof caches === "undefined") throw Object.assign(new Error("Cache Storage is not available"), { name: "SecurityError" });
  const cache = await caches.open(cacheName(BUILD.version));
  const cached = new Set((await cache.keys()).map((request) => request.url)); // an earlier attempt's files stay
  const todo = [...files].filter(([path]) => !cached.has(new URL(path, SCOPE).href));
  const total = BUILD.files.reduce((sum, file) => sum + file[2], 0);
  const needed = todo.reduce((sum, [, file]) => sum + file.bytes, 0);
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  if (estimate?.quota && estimate.quota - estimate.usage < needed * HEADROOM) {
    const mb = (n) => Math.round(n / 1e6);
    throw Object.assign(new Error(`it needs ${mb(needed * HEADROOM)} MB and the browser allows this site ${mb(estimate.quota - estimate.usage)} MB more`), {
      name: "QuotaExceededError",
    });
  }
  let done = total - needed;
  const next = todo.values();
  async function worker() {
    for (const [path, file] of next) {
      const url = new URL(path, SCOPE).href;
      const response = await fetch(url, { integrity: file.integrity, cache: "no-cache" }).catch((err) => {
        throw new Error(`${path} did not download (${err.message})`);
      });
      if (!response.ok) throw new Error(`the server answered ${response.status} for ${path}`);
      await cache.put(url, response);
      done += file.bytes;
      tell({ type: "progress", version: BUILD.version, done, total });
    }
  }
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  // An older worker's clean-up that began before this one started installing may have deleted the
  // cache while it was being filled (the files then went into a cache no name leads to): fill it again.
  if (!(await caches.has(cacheName(BUILD.version)))) {
    if (attempt >= ATTEMPTS) throw new Error("this build's offline copy kept being deleted while it was being made");
    return precache(attempt + 1);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().catch(async (err) => {
    const refused = storageRefused(err);
    if (refused && BUILD) await caches.delete(cacheName(BUILD.version)).catch(() => {});
    await tell({ type: "failed", version: BUILD?.version ?? null, refused, reason: `${err.name}: ${err.message}` });
    throw err;
  }));
});

// --- which build each page was opened with ---------------------------------------------------------

const GRACE_MS = 10000; // a page just navigated to may not be listed among the open ones yet
let pages = null; // {clientId: [version, when recorded]}, kept in a cache of its own as the worker may be stopped at any time
async function loadPages({ fresh = false } = {}) {
  if (!pages || fresh) {
    const found = await (await caches.open(CLIENTS)).match(CLIENTS_KEY);
    pages = (found && (await found.json().catch(() => null))) || {};
  }
  return pages;
}

async function savePages() {
  await (await caches.open(CLIENTS)).put(CLIENTS_KEY, new Response(JSON.stringify(pages)));
}

/** Deletes this scope's caches that no open page uses (never the snapshot cache: not ours). Only
 * the active worker does, with no newer one installing or waiting: an older worker, or one that a
 * newer has replaced, would not know the newer build's cache and delete it. */
function inCharge() {
  const { active, waiting, installing } = self.registration;
  return Boolean(self.serviceWorker) && active === self.serviceWorker && !waiting && !installing;
}

async function cleanUp({ activating = false } = {}) {
  if (!activating && !inCharge()) return;
  const open = new Set((await self.clients.matchAll({ includeUncontrolled: true })).map((client) => client.id));
  await loadPages({ fresh: true });
  for (const [id, [, when]] of Object.entries(pages)) if (!open.has(id) && Date.now() - when > GRACE_MS) delete pages[id];
  await savePages();
  const inUse = new Set([BUILD?.version, ...Object.values(pages).map(([version]) => version)].map(cacheName));
  for (const name of await caches.keys()) {
    // Asked again before each deletion: a newer worker may have started installing meanwhile.
    if (name.startsWith(PREFIX) && !inUse.has(name) && (activating || inCharge())) await caches.delete(name);
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    await self.clients.claim(); // a first visit's page is served from here on, from this build's cache
    await cleanUp({ activating: true });
  })());
});

// --- serving ------------------------------------------------------------------------------------

/** The path inside the build of a request to this scope, or null for anything not in the list. */
function pathOf(request) {
  const url = new URL(request.url);
  const address = `${url.origin}${url.pathname}`;
  if (!address.startsWith(SCOPE)) return null;
  let path;
  try {
    path = decodeURIComponent(address.slice(SCOPE.length));
  } catch {
    return null; // not a name of ours
  }
  if (request.mode === "navigate" && (path === "" || path.endsWith("/"))) path += "index.html";
  return files.has(path) ? path : null;
}

// The Python sandbox's frame (see js/python/sandbox.js) is sandboxed by this header, whether it
// comes from the cache or the network: browsers let no service worker serve a frame sandboxed by
// its attribute, so the page leaves the attribute out when this worker serves it.
function sandboxed(response) {
  const headers = new Headers(response.headers);
  const policy = headers.get("Content-Security-Policy");
  headers.set("Content-Security-Policy", policy ? `${policy}, sandbox allow-scripts` : "sandbox allow-scripts");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function respond(event, path) {
  const navigating = event.request.mode === "navigate";
  let version = BUILD.version;
  // A page's requests come from the build it was opened with, and so do its Python sandbox frames,
  // which name that build (a navigation does not say which page asked for it).
  const asked = path === "sandbox.html" && new URL(event.request.url).searchParams.get("build");
  if (!navigating && event.clientId) version = (await loadPages())[event.clientId]?.[0] || version;
  else if (asked && (await caches.has(cacheName(asked)))) version = asked;
  const cache = await caches.open(cacheName(version));
  const found = await cache.match(new URL(path, SCOPE).href);
  if (found && navigating && event.resultingClientId) {
    (await loadPages({ fresh: true }))[event.resultingClientId] = [version, Date.now()];
    event.waitUntil(savePages().then(() => cleanUp()).catch(() => {}));
  }
  const response = found || (await fetch(event.request)); // not (or no longer) cached: the network, as without a worker
  return path === "sandbox.html" ? sandboxed(response) : response;
}

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET" || !BUILD) return;
  const path = pathOf(event.request);
  if (path) event.respondWith(respond(event, path));
});

self.addEventListener("message", (event) => {
  const what = event.data?.scratchnetOffline;
  if (what === "skip-waiting") self.skipWaiting();
  else if (what === "status") {
    event.waitUntil(cleanUp().catch(() => {})); // a page that asks has loaded: the one it replaced is gone
    event.source?.postMessage({
      scratchnetOffline: "status", version: BUILD?.version ?? null, files: files.size,
      bytes: (BUILD?.files ?? []).reduce((sum, file) => sum + file[2], 0),
    });
  }
});
