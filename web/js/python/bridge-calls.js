// The bridge's calls as the page sees them: their names (the bridge's own list), which of them
// change the model or the run (a checkpoint follows), their time limits, and how an answer's JSON
// and binary parts become plain data with typed arrays.

export const CALL_LIMIT_MS = 60000; // any call; a closed or stuck worker is found out at the latest then
const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array };

// The bridge's {"$part": i, dtype, shape} markers replaced by typed arrays over the binary parts.
function revive(value, parts) {
  if (Array.isArray(value)) return value.map((v) => revive(v, parts));
  if (value === null || typeof value !== "object") return value;
  if (Object.hasOwn(value, "$part")) {
    const bytes = parts[value.$part];
    if (!(bytes instanceof Uint8Array)) throw new Error("The worker sent an array that is not there.");
    if (value.dtype === "bytes") return bytes;
    const Type = ARRAYS[value.dtype];
    if (!Object.hasOwn(ARRAYS, value.dtype)) throw new Error(`The bridge sent an array of an unknown type (${String(value.dtype).slice(0, 20)}).`);
    const array = new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
    array.shape = value.shape;
    return array;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v, parts)]));
}

/** A bridge answer, (JSON text, binary parts), as plain data with typed arrays. */
export const decode = (text, parts) => revive(JSON.parse(text), parts);

// The bridge's calls the page makes (app/bridge.py's CALLS, but for init, which boot() makes);
// tests/test_bridge.py checks that the two lists agree.
export const BRIDGE_CALLS = [
  "validate", "new_training", "reset", "use_pretrained", "train", "step", "evaluate", "mistakes", "classify",
  "first_layer_weights", "augment_examples", "export_model", "export_experiment", "import_model", "checkpoint", "restore", "benchmark",
  "exercise", "check_code", "use_code", "use_reference", "code_view",
  "playground_schema", "playground_new", "playground_reset", "playground_place", "playground_train",
  "inspect", "inspect_update", "spot_check", "cell_examples",
  "my_digits_file", "read_my_digits", "fine_tune_start", "fine_tune_continue", "fine_tune_finish",
  "shard_train", "shard_setup", "shard_gradients",
];

export const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

// Calls that change the model or the run: after one, a checkpoint is taken (always for those that
// set a model up; for all of them while the learner's code is in use), so a restart loses nothing.
export const SETS_UP = new Set(["new_training", "reset", "use_pretrained", "import_model", "restore", "use_code", "fine_tune_finish"]);
export const CHANGES = new Set([...SETS_UP, "train", "shard_train", "step", "playground_new", "playground_train"]);
const LEARNER_LIMIT_MS = 10000; // any call while the network may run the learner's code
const LEARNER_CALLS = { use_code: 5000, check_code: 5000 }; // calls that run it for sure
// Calls on one example or a mini-batch that run the network, so its learner code while in use:
// a few milliseconds each, so one past this was stuck (the same limit as a training chunk's).
const ONE_EXAMPLE_CALLS = new Set(["classify", "inspect", "inspect_update", "spot_check"]);
const ONE_EXAMPLE_LIMIT_MS = 5000;

/** The time limit of bridge call `name`: `timeoutMs` if asked for and shorter; shorter limits while
 * the network may run the learner's code (`tainted`). */
export function limitFor(name, tainted, timeoutMs = 0) {
  const most = LEARNER_CALLS[name] || (tainted ? (ONE_EXAMPLE_CALLS.has(name) ? ONE_EXAMPLE_LIMIT_MS : LEARNER_LIMIT_MS) : CALL_LIMIT_MS);
  return timeoutMs ? Math.min(timeoutMs, most) : most;
}
