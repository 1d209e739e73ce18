// Where the run history lives between visits: one IndexedDB object store of plain records. Where
// IndexedDB is out of reach (some private windows, sandboxed frames), the history lives in memory
// for this visit only and `persistent` says so. The database may be deleted or its connection
// closed while the page is open (the site's data cleared, another tab upgrading it): the
// connection is then opened again for the next call, and every failure is a rejected promise,
// never a throw. It knows nothing of runs beyond their `id`, and reads records back unchecked
// (run-record.js checks them).

const DB_NAME = "scratchnet";
const STORE = "runs";
const VERSION = 1;

function openDatabase() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("the history is open in an older version of this page"));
  });
}

function memoryStore() {
  const memory = new Map();
  return {
    persistent: false,
    all: async () => [...memory.values()].sort((a, b) => a.id - b.id),
    put: async (record) => void memory.set(record.id, structuredClone(record)),
    remove: async (ids) => {
      for (const id of ids) memory.delete(id);
    },
    clear: async () => memory.clear(),
  };
}

/**
 * Open the store: {persistent, all(), put(record), remove(ids), clear()} (all of them promises).
 * all() gives the records as stored, in key order.
 */
export async function openHistoryStore() {
  let db = null;
  try {
    db = watch(await openDatabase());
  } catch {
    return memoryStore();
  }
  let opening = null;

  // A connection is given up when another page wants the database changed or deleted (holding
  // on would block that), and when the browser closes it (the site's data cleared).
  function watch(connection) {
    connection.onversionchange = () => {
      connection.close();
      if (db === connection) db = null;
    };
    connection.onclose = () => {
      if (db === connection) db = null;
    };
    return connection;
  }

  function connection() {
    if (db) return Promise.resolve(db);
    opening ??= openDatabase().then((c) => (db = watch(c))).finally(() => {
      opening = null;
    });
    return opening;
  }

  // One transaction: `action(store)` makes its requests; resolves with the last one's result once
  // the transaction is done. A failure on a connection that may have been closed under us opens
  // the database again and tries once more (every action here may be repeated).
  async function run(mode, action) {
    for (let attempt = 0; ; attempt++) {
      const current = await connection();
      try {
        return await new Promise((resolve, reject) => {
          const tx = current.transaction(STORE, mode); // throws if the connection is closed
          const req = action(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(req ? req.result : undefined);
          tx.onabort = () => reject(tx.error || new Error("the history could not be written"));
        });
      } catch (err) {
        if (db === current) {
          current.close();
          db = null;
        }
        if (attempt > 0) throw err;
      }
    }
  }

  return {
    persistent: true,
    all: () => run("readonly", (store) => store.getAll()),
    put: (record) => run("readwrite", (store) => void store.put(record)),
    remove: (ids) => run("readwrite", (store) => {
      for (const id of ids) store.delete(id);
    }),
    clear: () => run("readwrite", (store) => void store.clear()),
  };
}
