// Where the run history lives between visits: one IndexedDB object store of plain records. Where
// IndexedDB is out of reach (some private windows, sandboxed frames), the history lives in memory
// for this visit only and `persistent` says so. It knows nothing of runs beyond their `id`.

const DB_NAME = "scratchnet";
const STORE = "runs";
const VERSION = 1;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDatabase() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("the history is open in an older version of this page"));
  });
}

/** Open the store: {persistent, all(), put(record), clear()} (all of them promises). */
export async function openHistoryStore() {
  let db = null;
  try {
    db = await openDatabase();
  } catch {
    db = null;
  }
  if (!db) {
    const memory = new Map();
    return {
      persistent: false,
      all: async () => [...memory.values()].sort((a, b) => a.id - b.id),
      put: async (record) => void memory.set(record.id, structuredClone(record)),
      clear: async () => memory.clear(),
    };
  }
  const store = (mode) => db.transaction(STORE, mode).objectStore(STORE);
  return {
    persistent: true,
    all: async () => (await request(store("readonly").getAll())).sort((a, b) => a.id - b.id),
    put: (record) => request(store("readwrite").put(record)).then(() => undefined),
    clear: () => request(store("readwrite").clear()).then(() => undefined),
  };
}
