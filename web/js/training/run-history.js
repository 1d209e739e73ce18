// The run history: the last MAX_RUNS runs of this page (their settings, seed included, the
// exercises whose learner code they ran, their curves, how they ended, their final test accuracy),
// kept across visits (history-store.js), listed newest first with what changed from the run before
// (the code in use counts as a setting), and handed to the charts as faint lines behind the
// current run. Records read back are checked (run-record.js): one that cannot be
// used is dropped, and so are the oldest runs past MAX_RUNS, each time with a notice. The list is
// changed item by item as runs start and progress, never rebuilt on an event. A store that fails
// loses history, never the run. Plain data in; it never talks to the worker.

import { formatValue } from "../state/settings.js";
import { MAX_POINTS, cleanRecord, recordProblem } from "./run-record.js";
import { EVENT } from "./events.js";

export const MAX_RUNS = 200;
const BACKGROUND_RUNS = 5;
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const STATUS = { running: "training", paused: "paused", finished: "finished", diverged: "diverged" };
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// Adds a point, halving the curve (every other point) when it grows past MAX_POINTS.
function push(curve, point) {
  curve.push(point);
  if (curve.length > MAX_POINTS) {
    const kept = curve.filter((_, i) => i % 2 === 1 || i === curve.length - 1);
    curve.splice(0, curve.length, ...kept);
  }
}

const codeText = (code) => (code.length ? code.join(", ") : "none");

/** "learning rate 0.02 → 0.1; your code none → dense_backward": what differs between two runs
 * ({config, code}): the settings, by their labels, and the learner's code in use. */
export function changes(before, after, schema) {
  const settings = schema
    .filter((f) => formatValue(before.config[f.name]) !== formatValue(after.config[f.name]))
    .map((f) => `${(f.label || f.name).toLowerCase()} ${formatValue(before.config[f.name])} → ${formatValue(after.config[f.name])}`);
  const code = codeText(before.code) === codeText(after.code) ? [] : [`your code ${codeText(before.code)} → ${codeText(after.code)}`];
  return [...settings, ...code];
}

// The saved records that can be used, numbered, oldest first; and what was wrong with the others.
function readRecords(saved) {
  const runs = [];
  const unreadable = [];
  for (const record of Array.isArray(saved) ? saved : []) {
    const problem = recordProblem(record);
    if (problem) unreadable.push({ id: record && typeof record === "object" ? record.id : undefined, problem });
    else runs.push(cleanRecord(record));
  }
  runs.sort((a, b) => a.id - b.id);
  const renumbered = [];
  let last = 0;
  for (const run of runs) {
    if (run.number === undefined || run.number <= last) {
      run.number = last + 1; // records from before runs carried their number
      renumbered.push(run);
    }
    last = run.number;
    if (run.status === "running") run.status = "paused"; // the visit ended while it trained
  }
  return { runs, unreadable, renumbered };
}

/**
 * store: history-store.js's store; list: the [data-testid=run-history] list; note: the line
 * above it; schema: the settings' fields (for labels); onBackground(runs): earlier runs' curves
 * for the charts.
 */
export function createRunHistory({ store, list, note, schema, onBackground }) {
  let runs = [];
  let current = null;
  const items = new Map(); // run -> {item, summary, diff, previous}: its entry in the list
  const told = { unreadable: 0, reason: "", removed: 0, unsaved: false };

  // What was dropped or could not be saved, in plain words, under the line above the list.
  const notice = document.createElement("p");
  notice.className = "muted small";
  notice.dataset.testid = "history-notice";
  notice.setAttribute("role", "status");
  notice.hidden = true;
  note.after(notice);

  function tell() {
    const parts = [];
    if (told.unreadable) {
      parts.push(`${plural(told.unreadable, "saved run", "saved runs")} could not be read (${told.reason}) and ${told.unreadable === 1 ? "was" : "were"} left out of your history.`);
    }
    if (told.removed) parts.push(`Only your last ${MAX_RUNS} runs are kept: ${plural(told.removed, "older run was", "older runs were")} removed.`);
    if (told.unsaved) parts.push("A run could not be saved in this browser; this visit's runs are still listed.");
    notice.textContent = parts.join(" ");
    notice.hidden = !parts.length;
  }

  function background() {
    onBackground(runs.filter((r) => r !== current).slice(-BACKGROUND_RUNS).map((r) => ({ ...r.trace, label: `run ${r.number}` })));
  }

  const summaryText = (run) => {
    const result = run.testAccuracy == null ? "not evaluated yet" : `test accuracy ${pct(run.testAccuracy)}`;
    const epochs = run.epochs === 1 ? "1 epoch" : `${run.epochs} epochs`;
    const code = run.code.length ? ` · your code: ${run.code.join(", ")}` : "";
    return ` · ${run.architecture}${code} · seed ${run.config.seed} · ${result} after ${epochs} · ${STATUS[run.status]}`;
  };

  // What changed from the run before (the code in use counts as a setting).
  const diffText = (run, previous) => {
    if (!previous) return run.number === 1 ? "The first run here." : "The oldest run kept.";
    const changed = changes(previous, run, schema);
    return changed.length ? `Changed from run ${previous.number}: ${changed.join("; ")}.` : `The same settings as run ${previous.number}.`;
  };

  // A new entry for `run`, whose predecessor in the history is `previous` (or none).
  function entry(run, previous) {
    const item = document.createElement("li");
    item.dataset.testid = "run";
    const head = document.createElement("strong");
    head.textContent = `Run ${run.number}`;
    const summary = document.createElement("span");
    const diff = document.createElement("span");
    diff.className = "run-changes muted small";
    item.append(head, summary, document.createElement("br"), diff);
    items.set(run, { item, summary, diff, previous });
    update(run);
    return item;
  }

  // The entry of `run` follows its status, accuracy and the code it used.
  function update(run) {
    const shown = items.get(run);
    if (!shown) return;
    shown.item.dataset.status = run.status;
    shown.item.dataset.testAccuracy = run.testAccuracy == null ? "" : String(run.testAccuracy);
    shown.item.dataset.code = run.code.join(",");
    shown.summary.textContent = summaryText(run);
    shown.diff.textContent = diffText(run, shown.previous);
  }

  function counted() {
    list.dataset.count = String(runs.length);
    note.textContent = runs.length ? "" : "No runs yet: each run you train is listed here.";
  }

  // The oldest runs past MAX_RUNS leave the list and the store; the learner is told how many.
  function dropOldest() {
    const old = runs.splice(0, Math.max(0, runs.length - MAX_RUNS));
    if (!old.length) return;
    for (const run of old) {
      items.get(run)?.item.remove();
      items.delete(run);
    }
    store.remove(old.map((r) => r.id)).catch(() => {});
    told.removed += old.length;
    tell();
  }

  // A failed write loses history, never the run (a full disk, the site's data cleared).
  const save = (run) => store.put(run).catch(() => {
    told.unsaved = true;
    tell();
  });

  const ready = store.all().catch(() => []).then((saved) => {
    const read = readRecords(saved);
    // Runs started while the store was read come after the saved ones, numbered on from them.
    let last = read.runs.length ? read.runs[read.runs.length - 1].number : 0;
    for (const run of runs) run.number = ++last;
    const early = runs;
    runs = [...read.runs, ...runs];
    dropOldest();
    if (read.unreadable.length) {
      told.unreadable = read.unreadable.length;
      told.reason = read.unreadable[0].problem;
      store.remove(read.unreadable.map((r) => r.id).filter((id) => id !== undefined)).catch(() => {});
    }
    for (const run of [...read.renumbered, ...early]) if (runs.includes(run)) save(run);
    items.clear();
    list.replaceChildren(...runs.map((run, i) => entry(run, runs[i - 1])).reverse());
    counted();
    tell();
    background();
  });

  return {
    ready,
    /** Whether the history outlives this visit. */
    persistent: store.persistent,
    /** A new run started with `config` on a network described as `architecture`, running the
     * learner's code for the exercises in `code`. */
    started(config, architecture, code) {
      const previous = runs[runs.length - 1];
      const id = Math.max(Date.now(), previous ? previous.id + 1 : 0);
      current = { id, number: previous ? previous.number + 1 : 1, started: new Date().toISOString(), config, architecture,
        code: [...code].sort(), status: "running", epochs: 0, testAccuracy: null, trace: { loss: [], accuracy: [], test_loss: [], test_accuracy: [] } };
      runs.push(current);
      list.prepend(entry(current, previous));
      dropOldest();
      counted();
      background();
      save(current);
    },
    /** The trainer's events for the current run. */
    events(events) {
      if (!current) return;
      for (const e of events) {
        if (e.type === EVENT.progress) {
          const x = e.epoch + e.batch / e.batches;
          push(current.trace.loss, [x, e.loss]);
          push(current.trace.accuracy, [x, e.accuracy]);
        } else if (e.type === EVENT.epoch) {
          current.epochs = e.epoch;
          if (e.evaluated) {
            current.testAccuracy = e.test_accuracy;
            push(current.trace.test_loss, [e.epoch, e.test_loss]);
            push(current.trace.test_accuracy, [e.epoch, e.test_accuracy]);
            save(current);
            update(current);
          }
        }
      }
    },
    /** The current run now runs the learner's code for the exercises in `code`: they count as
     * used by it from here on. */
    codeUsed(code) {
      if (!current || code.every((name) => current.code.includes(name))) return;
      current.code = [...new Set([...current.code, ...code])].sort();
      save(current);
      update(current);
    },
    /** The current run goes on after a pause. */
    resumed() {
      if (current?.status !== "paused") return;
      current.status = "running";
      update(current);
    },
    /** The page's model is no longer the current run's (a reset, the pretrained model, a file). */
    detach() {
      current = null;
    },
    /** The current run stopped: "paused", "finished" or "diverged". */
    ended(status) {
      if (!current || current.status === status) return;
      current.status = status;
      save(current);
      update(current);
    },
    /** Forget every run, here and in the store. */
    async clear() {
      runs = current && current.status === "running" ? [current] : [];
      items.clear();
      list.replaceChildren(...runs.map((run) => entry(run, null)));
      Object.assign(told, { unreadable: 0, reason: "", removed: 0, unsaved: false });
      tell();
      counted();
      background();
      await store.clear().catch(() => {});
      if (runs.length) save(current);
    },
  };
}
