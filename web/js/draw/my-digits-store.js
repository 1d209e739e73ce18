// Where the learner's own digits live between visits: an IndexedDB database of its own (so the run
// history's database and version are left alone), one record per digit: {id, label, pixels} with
// pixels a Uint8Array of 28x28 (255 = ink). Where IndexedDB is out of reach (some private windows,
// sandboxed frames) the digits live in memory for this visit only, and `persistent` says so.
// Every failure is a rejected promise, never a throw. Records are read back unchecked: the panel
// (my-digits.js) keeps only well-formed ones.

const DB_NAME = "scratchnet-my-digits";
const STORE = "digits";
const VERSION = 1;

function openDatabase() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("your digits are open in an older version of this page"));
  });
}

function memoryStore() {
  const memory = new Map();
  let next = 1;
  return {
    persistent: false,
    all: async () => [...memory.values()],
    add: async (records) => {
      for (const record of records) {
        const id = next++;
        memory.set(id, { ...structuredClone(record), id });
      }
    },
    remove: async (id) => void memory.delete(id),
    clear: async () => memory.clear(),
  };
}

/** Open the store: {persistent, all(), add(records), remove(id), clear()} (all promises). */
export async function openMyDigitsStore() {
  let db;
  try {
    db = await openDatabase();
  } catch {
    return memoryStore();
  }
  // A connection closed under us (the site's data cleared, another tab upgrading) is opened again.
  db.onversionchange = () => db.close();

  async function run(mode, action) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise((resolve, reject) => {
          const tx = db.transaction(STORE, mode);
          const req = action(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(req ? req.result : undefined);
          tx.onabort = () => reject(tx.error || new Error("your digits could not be saved"));
        });
      } catch (err) {
        if (attempt > 0) throw err;
        db = await openDatabase();
      }
    }
  }

  return {
    persistent: true,
    all: () => run("readonly", (store) => store.getAll()),
    add: (records) => run("readwrite", (store) => {
      for (const { label, pixels } of records) store.add({ label, pixels });
    }),
    remove: (id) => run("readwrite", (store) => void store.delete(id)),
    clear: () => run("readwrite", (store) => void store.clear()),
  };
}
