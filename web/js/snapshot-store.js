// Where memory snapshots of Python are kept between visits: Cache Storage (measured faster to read
// 36 MB from than IndexedDB), one entry per copy of the site, best effort (browsers may evict it).
//
// An entry's body is [u32 length of the header][header, JSON][padding to 16 bytes][memory][files]:
// the header holds the key, the SHA-256 of everything after it, the memory's length, the files'
// names and lengths, and the loader state runtime.js puts back. The files (NumPy's, unpacked) ride
// along so that a restore needs no unzipping.

const CACHE_NAME = "scratchnet-python-snapshot";

const slotUrl = (slot, key) => `${slot}?key=${encodeURIComponent(key)}`;
const failuresUrl = (slot, key) => `${slotUrl(slot, key)}&failures`;

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Is a snapshot stored for this key? */
export async function hasSnapshot(slot, key) {
  return Boolean(await (await caches.open(CACHE_NAME)).match(slotUrl(slot, key)));
}

/**
 * The snapshot stored for this key: null if there is none, else {contents}, a promise of
 * {memory, files, state} (memory a Uint8Array, files [path, bytes] pairs) that rejects if the entry
 * fails its checksum. (So a restore can start before the 50 MB are read.)
 */
export async function readSnapshot(slot, key) {
  const response = await (await caches.open(CACHE_NAME)).match(slotUrl(slot, key));
  if (!response) return null;
  const contents = response.arrayBuffer().then(async (buffer) => {
    const headerLength = new DataView(buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
    const start = Math.ceil((4 + headerLength) / 16) * 16;
    const body = new Uint8Array(buffer, start);
    if (header.key !== key || (await sha256Hex(body)) !== header.sha256) {
      throw new Error("the stored snapshot does not match its checksum");
    }
    let at = start + header.memory;
    const files = header.files.map(([name, size]) => [name, new Uint8Array(buffer, (at += size) - size, size)]);
    if (at !== buffer.byteLength) throw new Error("the stored snapshot has the wrong length");
    return { memory: new Uint8Array(buffer, start, header.memory), files, state: header.state };
  });
  contents.catch(() => {}); // seen by whoever awaits it
  return { contents };
}

/** Stores a snapshot (replacing any other key's for this slot). */
export async function writeSnapshot(slot, key, memory, files, state) {
  const bodyLength = memory.length + files.reduce((sum, [, bytes]) => sum + bytes.length, 0);
  const body = new Uint8Array(bodyLength);
  body.set(memory);
  let at = memory.length;
  for (const [, bytes] of files) {
    body.set(bytes, at);
    at += bytes.length;
  }
  const header = new TextEncoder().encode(JSON.stringify({
    key, sha256: await sha256Hex(body), memory: memory.length, files: files.map(([name, bytes]) => [name, bytes.length]), state,
  }));
  const start = Math.ceil((4 + header.length) / 16) * 16;
  const prefix = new Uint8Array(start);
  new DataView(prefix.buffer).setUint32(0, header.length, true);
  prefix.set(header, 4);
  const cache = await caches.open(CACHE_NAME);
  const keep = new URL(failuresUrl(slot, key)).href; // failures of this key still count
  for (const old of await cache.keys(slot, { ignoreSearch: true })) if (old.url !== keep) await cache.delete(old);
  await cache.put(slotUrl(slot, key), new Response(new Blob([prefix, body]), {
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
