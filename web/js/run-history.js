// The run history: every run of this page (its settings, seed included, its curves, how it ended,
// its final test accuracy), kept across visits (history-store.js), listed newest first with what
// changed from the run before, and handed to the charts as faint lines behind the current run.
// Plain data in; it never talks to the worker.

import { formatValue } from "./state.js";

const MAX_POINTS = 300; // per curve: enough for a faint line, small enough to keep many runs
const BACKGROUND_RUNS = 5;
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const STATUS = { running: "training", paused: "paused", finished: "finished", diverged: "diverged" };

// Adds a point, halving the curve (every other point) when it grows past MAX_POINTS.
function push(curve, point) {
  curve.push(point);
  if (curve.length > MAX_POINTS) {
    const kept = curve.filter((_, i) => i % 2 === 1 || i === curve.length - 1);
    curve.splice(0, curve.length, ...kept);
  }
}

/** "learning rate 0.02 → 0.1; epochs 1 → 3": the settings that differ, by their labels. */
export function changes(before, after, schema) {
  return schema
    .filter((f) => formatValue(before[f.name]) !== formatValue(after[f.name]))
    .map((f) => `${(f.label || f.name).toLowerCase()} ${formatValue(before[f.name])} → ${formatValue(after[f.name])}`);
}

/**
 * store: history-store.js's store; list: the [data-testid=run-history] list; schema: the settings'
 * fields (for labels); onBackground(runs): earlier runs' curves for the charts.
 */
export function createRunHistory({ store, list, note, schema, onBackground }) {
  let runs = [];
  let current = null;

  function background() {
    onBackground(runs.filter((r) => r !== current).slice(-BACKGROUND_RUNS).map((r) => r.trace));
  }

  function describe(run, i) {
    const item = document.createElement("li");
    item.dataset.testid = "run";
    item.dataset.status = run.status;
    item.dataset.testAccuracy = run.testAccuracy == null ? "" : String(run.testAccuracy);
    const head = document.createElement("strong");
    head.textContent = `Run ${i + 1}`;
    const summary = document.createElement("span");
    const result = run.testAccuracy == null ? "not evaluated yet" : `test accuracy ${pct(run.testAccuracy)}`;
    const epochs = run.epochs === 1 ? "1 epoch" : `${run.epochs} epochs`;
    summary.textContent = ` · ${run.architecture} · seed ${run.config.seed} · ${result} after ${epochs} · ${STATUS[run.status]}`;
    const diff = document.createElement("span");
    diff.className = "run-changes muted small";
    const previous = runs[i - 1];
    const changed = previous ? changes(previous.config, run.config, schema) : [];
    diff.textContent = !previous ? "The first run here." : changed.length
      ? `Changed from run ${i}: ${changed.join("; ")}.` : `The same settings as run ${i}.`;
    item.append(head, summary, document.createElement("br"), diff);
    return item;
  }

  function render() {
    list.replaceChildren(...runs.map(describe).reverse());
    list.dataset.count = String(runs.length);
    note.textContent = runs.length ? "" : "No runs yet: each run you train is listed here.";
  }

  const save = (run) => store.put(run).catch(() => {}); // a full disk loses history, never the run

  const ready = store.all().then((saved) => {
    runs = saved.filter((r) => r && r.config && r.trace).map((r) => (r.status === "running" ? { ...r, status: "paused" } : r));
    render();
    background();
  }).catch(() => render());

  return {
    ready,
    /** Whether the history outlives this visit. */
    persistent: store.persistent,
    /** A new run started with `config` on a network described as `architecture`. */
    started(config, architecture) {
      const id = Math.max(Date.now(), ...runs.map((r) => r.id + 1));
      current = { id, started: new Date().toISOString(), config, architecture, status: "running", epochs: 0,
        testAccuracy: null, trace: { loss: [], accuracy: [], test_loss: [], test_accuracy: [] } };
      runs.push(current);
      render();
      background();
      save(current);
    },
    /** The trainer's events for the current run. */
    events(events) {
      if (!current) return;
      for (const e of events) {
        if (e.type === "progress") {
          const x = e.epoch + e.batch / e.batches;
          push(current.trace.loss, [x, e.loss]);
          push(current.trace.accuracy, [x, e.accuracy]);
        } else if (e.type === "epoch") {
          current.epochs = e.epoch;
          if (e.evaluated) {
            current.testAccuracy = e.test_accuracy;
            push(current.trace.test_loss, [e.epoch, e.test_loss]);
            push(current.trace.test_accuracy, [e.epoch, e.test_accuracy]);
            save(current);
            render();
          }
        }
      }
    },
    /** The current run goes on after a pause. */
    resumed() {
      if (!current || current.status !== "paused") return;
      current.status = "running";
      render();
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
      render();
    },
    /** Forget every run, here and in the store. */
    async clear() {
      runs = current && current.status === "running" ? [current] : [];
      await store.clear().catch(() => {});
      if (runs.length) save(current);
      render();
      background();
    },
  };
}
