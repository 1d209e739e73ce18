// What a run-history record is, checked when it is read back: the store holds whatever was
// written to this site's IndexedDB (by this page, by an older version of it, or by anything else
// that could reach it), so every field the history and the charts use is checked for its type
// and size before a record is used. A record carries its settings and the exercises whose
// learner code it ran (`code`; older records have none, and ran none). It leaves out storing
// (history-store.js) and showing (run-history.js).

export const MAX_POINTS = 300; // per curve: enough for a faint line, small enough to keep many runs
export const STATUSES = ["running", "paused", "finished", "diverged"];
export const CURVES = ["loss", "accuracy", "test_loss", "test_accuracy"];
const MAX_TEXT = 2000; // characters, for the network and any setting written as text
const MAX_SETTINGS = 100;
const MAX_LIST = 64;
const MAX_NAME = 64; // characters of an exercise's name

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isFiniteNumber = (v) => typeof v === "number" && Number.isFinite(v);
const isText = (v) => typeof v === "string" && v.length <= MAX_TEXT;
const isSettingValue = (v) => v === null || typeof v === "boolean" || isFiniteNumber(v) || isText(v)
  || (Array.isArray(v) && v.length <= MAX_LIST && v.every((x) => isFiniteNumber(x) || isText(x)));
// A curve point: [x, y], y null where it was not a number (a diverged run's loss, say).
const isPoint = (p) => Array.isArray(p) && p.length === 2 && isFiniteNumber(p[0]) && (p[1] === null || typeof p[1] === "number");
// The exercises whose learner code the run used: absent in records from before they were kept.
const isCode = (c) => c === undefined || (Array.isArray(c) && c.length <= MAX_LIST
  && c.every((name) => typeof name === "string" && name.length > 0 && name.length <= MAX_NAME));
// Curves are halved as they pass MAX_POINTS, so one may hold one more point than that.
const isCurve = (c) => Array.isArray(c) && c.length <= MAX_POINTS + 1 && c.every(isPoint);

/** Why `record` cannot be used as a run (a short phrase), or "" when it can. */
export function recordProblem(record) {
  if (!isObject(record)) return "it is not a record";
  if (!isFiniteNumber(record.id)) return "its id is not a number";
  if (record.number !== undefined && !(Number.isSafeInteger(record.number) && record.number > 0)) return "its number is not a whole number";
  if (!isText(record.started) || !isText(record.architecture)) return "its start or network is not short text";
  if (!STATUSES.includes(record.status)) return "its status is unknown";
  if (!(Number.isSafeInteger(record.epochs) && record.epochs >= 0)) return "its epochs are not a whole number";
  if (!(record.testAccuracy === null || (isFiniteNumber(record.testAccuracy) && record.testAccuracy >= 0 && record.testAccuracy <= 1))) {
    return "its test accuracy is not a fraction";
  }
  const config = record.config;
  if (!isObject(config) || Object.keys(config).length > MAX_SETTINGS || !Object.values(config).every(isSettingValue)) {
    return "its settings are not plain settings";
  }
  if (!Number.isSafeInteger(config.seed)) return "its seed is not a whole number";
  if (!isCode(record.code)) return "its code is not a list of exercise names";
  if (!isObject(record.trace) || !CURVES.every((name) => isCurve(record.trace[name]))) return "its curves are not lists of points";
  return "";
}

/** The parts of a checked record the history uses (nothing else it may carry is kept); a record
 * from before the code was kept ran none. */
export function cleanRecord(record) {
  const { id, number, started, config, architecture, code = [], status, epochs, testAccuracy, trace } = record;
  const curves = Object.fromEntries(CURVES.map((name) => [name, trace[name].map(([x, y]) => [x, y])]));
  return {
    id, ...(number === undefined ? {} : { number }), started, config: { ...config }, architecture, code: [...new Set(code)].sort(),
    status, epochs, testAccuracy, trace: curves,
  };
}
