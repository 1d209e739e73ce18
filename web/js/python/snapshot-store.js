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
}

/** Drops the stored snapshot of this key; with `failed`, counts a failure too. */
export async function dropSnapshot(slot, key, { failed = false } = {}) {
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
  await (await caches.open(CACHE_NAME)).delete(failuresUrl(slot, key));
}

/** How many failures of this key were counted. */
export async function failures(slot, key) {
  const response = await (await caches.open(CACHE_NAME)).match(failuresUrl(slot, key));
  return response ? Number(await response.text()) || 0 : 0;
}
