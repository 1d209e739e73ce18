// Where memory snapshots of Python are kept between visits, held by the trusted page only: Cache
// Storage (measured faster to read 36 MB from than IndexedDB), one entry per copy of the site, best
// effort (browsers may evict it). No Python worker can reach it: they run in an opaque origin.
//
// A snapshot is proven to be this page's own with an HMAC-SHA-256 whose key is made here, kept in
// IndexedDB as a non-extractable CryptoKey (its bytes never exist anywhere script could read them),
// and never handed to a worker. An entry that was changed by anyone else fails the check and is
// dropped. An entry's body is [u32 length of the header][header, JSON][padding to 16 bytes][memory];
// the header holds the key it was made for, the memory's length, the loader state runtime.js puts
// back, and the HMAC of everything else.

const CACHE_NAME = "scratchnet-python-snapshot";
const KEY_DB = "scratchnet-snapshot-key";
const KEY_STORE = "keys";

// Some browsers do not keep Cache Storage entries (WebKit's ephemeral sessions drop them on reload,
// and perhaps Safari's private windows): a snapshot made at every visit there costs seconds of CPU
// and is never used. localStorage remembers, per copy of the site, which key was stored and how
// many times in a row a stored snapshot was gone at the next visit; after MAX_LOSSES, no snapshot
// is made for RETRY_AFTER_MS, then one more is tried. A snapshot that restores resets the count.
const KEPT = "scratchnet-snapshot-kept";
const MAX_LOSSES = 2;
const RETRY_AFTER_MS = 7 * 24 * 3600 * 1000;

function kept(slot) {
  try {
    const record = JSON.parse(localStorage.getItem(`${KEPT} ${slot}`));
    if (record && typeof record === "object") return { key: null, losses: 0, lastLoss: 0, ...record };
  } catch {} // no localStorage here (or an unreadable entry): nothing is known
  return { key: null, losses: 0, lastLoss: 0 };
}

function remember(slot, changes) {
  try {
    localStorage.setItem(`${KEPT} ${slot}`, JSON.stringify({ ...kept(slot), ...changes }));
  } catch {}
}

const slotUrl = (slot, key) => `${slot}?key=${encodeURIComponent(key)}`;
const failuresUrl = (slot, key) => `${slotUrl(slot, key)}&failures`;
const encoder = new TextEncoder();

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let signingKey = null;
/** This browser's HMAC key for snapshots, made on first use (a promise; rejects where IndexedDB or
 * Web Crypto is out of reach, and then no snapshot is kept). */
function hmacKey() {
  signingKey ||= (async () => {
    const open = indexedDB.open(KEY_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(KEY_STORE);
    const db = await request(open);
    try {
      const found = await request(db.transaction(KEY_STORE).objectStore(KEY_STORE).get("snapshot"));
      if (found instanceof CryptoKey && !found.extractable) return found;
      const made = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
      await request(db.transaction(KEY_STORE, "readwrite").objectStore(KEY_STORE).put(made, "snapshot"));
      return made;
    } finally {
      db.close();
    }
  })();
  signingKey.catch(() => (signingKey = null));
  return signingKey;
}

// What the HMAC covers: the header's fields (the key and loader state among them) and the memory.
const signed = (header, memory) => new Blob([encoder.encode(JSON.stringify([header.key, header.memory, header.state])), memory]).arrayBuffer();

const toHex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (hex) => Uint8Array.from(String(hex).match(/../g) || [], (h) => parseInt(h, 16));

/** Can snapshots be kept here (Cache Storage, IndexedDB and the key all within reach)? */
export async function canStore() {
  if (typeof caches === "undefined" || typeof indexedDB === "undefined" || !crypto.subtle) return false;
  try {
    await hmacKey();
    await caches.open(CACHE_NAME);
    return true;
  } catch {
    return false;
  }
}

/** Is it worth making a snapshot of this key? Not where snapshots stored before were gone at the
 * next visit MAX_LOSSES times in a row (counting one more if this key's is gone now), until
 * RETRY_AFTER_MS after the last time. */
export async function keepsSnapshots(slot, key) {
  const record = kept(slot);
  if (record.key === key && !(await hasSnapshot(slot, key))) {
    remember(slot, { key: null, losses: record.losses + 1, lastLoss: Date.now() });
  }
  const { losses, lastLoss } = kept(slot);
  return losses < MAX_LOSSES || Date.now() - lastLoss > RETRY_AFTER_MS;
}

/** Is a snapshot stored for this key? */
export async function hasSnapshot(slot, key) {
  return Boolean(await (await caches.open(CACHE_NAME)).match(slotUrl(slot, key)));
}

/** The snapshot stored for this key, {memory, state}, or null if there is none. Rejects if the
 * entry is malformed or its HMAC does not verify (the caller drops it). */
export async function readSnapshot(slot, key) {
  const response = await (await caches.open(CACHE_NAME)).match(slotUrl(slot, key));
  if (!response) return null;
  const buffer = await response.arrayBuffer();
  const headerLength = buffer.byteLength >= 4 ? new DataView(buffer).getUint32(0, true) : 0;
  if (!headerLength || 4 + headerLength > Math.min(buffer.byteLength, 1 << 20)) throw new Error("the stored snapshot is malformed");
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
  const start = Math.ceil((4 + headerLength) / 16) * 16;
  if (header.key !== key || header.memory !== buffer.byteLength - start) throw new Error("the stored snapshot is malformed");
  const memory = new Uint8Array(buffer, start);
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(), fromHex(header.hmac), await signed(header, memory));
  if (!valid) throw new Error("the stored snapshot was not made by this page (its signature does not match)");
  return { memory, state: header.state };
}

/** Signs and stores a snapshot (replacing any other key's for this slot). */
export async function writeSnapshot(slot, key, memory, state) {
  const header = { key, memory: memory.length, state };
  header.hmac = toHex(await crypto.subtle.sign("HMAC", await hmacKey(), await signed(header, memory)));
  const text = encoder.encode(JSON.stringify(header));
  const start = Math.ceil((4 + text.length) / 16) * 16;
  const prefix = new Uint8Array(start);
  new DataView(prefix.buffer).setUint32(0, text.length, true);
  prefix.set(text, 4);
  const cache = await caches.open(CACHE_NAME);
  const keep = new URL(failuresUrl(slot, key)).href; // failures of this key still count
  for (const old of await cache.keys(slot, { ignoreSearch: true })) if (old.url !== keep) await cache.delete(old);
  await cache.put(slotUrl(slot, key), new Response(new Blob([prefix, memory]), {
    headers: { "content-type": "application/octet-stream" },
  }));
  remember(slot, { key });
}

/** Drops the stored snapshot of this key; with `failed`, counts a failure too. */
export async function dropSnapshot(slot, key, { failed = false } = {}) {
  if (kept(slot).key === key) remember(slot, { key: null }); // dropped, not lost
  await (await caches.open(CACHE_NAME)).delete(slotUrl(slot, key));
  if (failed) await countFailure(slot, key);
}

/** Counts a failed restore, or a failed attempt to make a snapshot, of this key. */
export async function countFailure(slot, key) {
  const count = (await failures(slot, key)) + 1;
  await (await caches.open(CACHE_NAME)).put(failuresUrl(slot, key), new Response(String(count)));
}

/** Forgets the failures of this key (after it restored well: they count only in a row). */
export async function clearFailures(slot, key) {
  remember(slot, { losses: 0, lastLoss: 0 }); // this browser kept it
  await (await caches.open(CACHE_NAME)).delete(failuresUrl(slot, key));
}

/** How many failures of this key were counted. */
export async function failures(slot, key) {
  const response = await (await caches.open(CACHE_NAME)).match(failuresUrl(slot, key));
  return response ? Number(await response.text()) || 0 : 0;
}
