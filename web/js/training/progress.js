// The live view of a training run: turns the trainer's plain-data events into progress bars,
// figures (samples/s and time left, both smoothed over a few seconds, learning rate) and one
// summary point per chart per chunk; a model's recorded curves, and earlier runs as faint lines
// behind, each named in the legend, shown or hidden with one checkbox. The x axis spans the run
// being shown (its planned epochs), however long the earlier runs were. It never talks to the
// worker; the wiring module hands it the events.

import { createLineChart, PALETTE } from "../widgets/charts.js";

const $ = (id) => document.getElementById(id);
const percent = (v) => `${(100 * v).toFixed(1)}%`;
const SMOOTHING_S = 3; // samples/s and time left follow the last few seconds, not each chunk
const SHOW_EVERY_MS = 500; // and are rewritten at most twice a second
const PAUSE_S = 5; // a longer gap between chunks is a pause (Stop, then Resume)

// An average that forgets with time: after `seconds`, a value weighs e^-1 of what it did.
function createSmoother(seconds) {
  let value = null;
  return {
    add(x, dt) {
      value = value == null ? x : value + (1 - Math.exp(-dt / seconds)) * (x - value);
      return value;
    },
    get: () => value,
    reset() {
      value = null;
    },
  };
}

/** Seconds as short text: "42 s", "3 min 5 s". */
export function duration(seconds) {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - 60 * minutes)} s`;
}

/** Build the four training charts and the progress panel's updaters. */
export function createProgressView() {
  const emptyText = "Press Train to watch this curve.";
  const charts = {
    loss: createLineChart($("chart-loss"), {
      xLabel: "epoch",
      series: [{ label: "train (recent batches)" }, { label: "test", sparse: true }],
      emptyText,
    }),
    accuracy: createLineChart($("chart-accuracy"), {
      xLabel: "epoch",
      zoomY: [0, 1], // fitted to the data: 95% to 98% is not a flat line
      formatY: percent,
      series: [{ label: "train (recent batches)" }, { label: "test", sparse: true }],
      emptyText,
    }),
    grads: createLineChart($("chart-grads"), { xLabel: "epoch", logY: true, series: [{ label: "layer" }], emptyText }),
    lr: createLineChart($("chart-lr"), { xLabel: "epoch", series: [{ label: "learning rate", color: PALETTE[2] }], emptyText }),
  };
  const speed = createSmoother(SMOOTHING_S); // training samples per second (the figure shown)
  const pace = createSmoother(SMOOTHING_S); // samples per second of wall time, evaluations included
  let lastChunk = 0;
  let lastShown = 0;
  let ended = false; // finished or diverged: the time left is no longer counted
  let earlier = []; // earlier runs' curves, as setBackground() was given them
  const showEarlier = $("show-earlier-runs");
  showEarlier?.addEventListener("change", () => drawEarlier());

  // Earlier runs behind the loss and accuracy curves, each labelled "run N" (unless switched off).
  function drawEarlier() {
    const runs = showEarlier && !showEarlier.checked ? [] : earlier;
    const lines = (key, testKey) => runs.flatMap((r, i) => [
      { points: r[key], label: r.label, run: i }, { points: r[testKey], sparse: true, run: i },
    ]);
    charts.loss.setBackground(lines("loss", "test_loss"));
    charts.accuracy.setBackground(lines("accuracy", "test_accuracy"));
  }

  function resetPanel() {
    $("epoch-progress").value = 0;
    $("batch-progress").value = 0;
    for (const id of ["epoch-text", "batch-text", "eta", "lr"]) $(id).textContent = "–";
    speed.reset();
    pace.reset();
    lastChunk = 0;
    ended = false;
  }

  // Samples/s and the time left, smoothed; shown at most every SHOW_EVERY_MS.
  function showPace(last, batchSize) {
    const now = performance.now();
    let dt = lastChunk ? (now - lastChunk) / 1000 : 0;
    lastChunk = now;
    if (dt > PAUSE_S) dt = 0; // the run was paused in between: that time is not the run's pace
    if (last.samples_per_sec > 0) speed.add(last.samples_per_sec, dt || SMOOTHING_S);
    if (dt > 0) pace.add(last.samples / dt, dt);
    if (now - lastShown < SHOW_EVERY_MS && last.batch !== last.batches) return;
    lastShown = now;
    if (speed.get()) {
      const throughput = $("throughput");
      throughput.dataset.value = String(speed.get());
      throughput.textContent = Math.round(speed.get()).toLocaleString("en-US");
    }
    const batchesLeft = (last.epochs - last.epoch - 1) * last.batches + (last.batches - last.batch);
    const rate = pace.get() || speed.get();
    if (!ended) $("eta").textContent = batchSize && rate ? duration((batchesLeft * batchSize) / rate) : "–";
  }

  function drawCurves(curves) {
    for (const chart of [charts.loss, charts.accuracy]) chart.clear();
    curves.epoch.forEach((epoch, i) => {
      charts.loss.append(epoch, [curves.train_loss[i], curves.test_loss[i]]);
      charts.accuracy.append(epoch, [curves.train_accuracy[i], curves.test_accuracy[i]]);
    });
  }

  return {
    /** Show one chunk of "progress" events (batch size is needed for the time left). */
    chunk(progress, batchSize) {
      const last = progress[progress.length - 1];
      const mean = (key) => progress.reduce((sum, e) => sum + e[key], 0) / progress.length;
      const x = last.epoch + last.batch / last.batches;
      for (const chart of Object.values(charts)) chart.setXMax(last.epochs); // this run's own length
      charts.loss.append(x, [mean("loss"), null]);
      charts.accuracy.append(x, [mean("accuracy"), null]);
      charts.lr.append(x, [last.learning_rate]);
      const layers = Object.keys(last.grad_norms || {});
      if (layers.join() !== charts.grads.labels().join()) charts.grads.clear(layers.map((label) => ({ label })));
      charts.grads.append(x, layers.map((name) => last.grad_norms[name]));

      $("epoch-progress").value = x / last.epochs;
      $("epoch-text").textContent = `${Math.min(last.epoch + 1, last.epochs)} of ${last.epochs}`;
      $("batch-progress").value = last.batch / last.batches;
      $("batch-text").textContent = `${last.batch} of ${last.batches}`;
      $("lr").textContent = last.learning_rate.toPrecision(3);
      showPace(last, batchSize);
    },
    /** Add an "epoch" event's held-out test figures to the charts. */
    epoch(event) {
      charts.loss.append(event.epoch, [null, event.test_loss]);
      charts.accuracy.append(event.epoch, [null, event.test_accuracy]);
    },
    /** The run has ended. */
    finished() {
      ended = true;
      $("eta").textContent = "done";
    },
    /** The run diverged: nothing is left to count down. */
    stopped() {
      ended = true;
      $("eta").textContent = "stopped";
    },
    /** A model's recorded curves (curves.py's shape): one point per epoch, from epoch 0 on the axis. */
    showCurves(curves) {
      resetPanel();
      for (const chart of Object.values(charts)) {
        chart.clear();
        chart.setXMax(null);
      }
      if (curves?.epoch?.length) drawCurves(curves);
    },
    /**
     * Earlier runs as faint lines: [{loss, accuracy, test_loss, test_accuracy, label}], each
     * curve [[x, y], ...], label the run's name in the legend ("run 3").
     */
    setBackground(runs) {
      earlier = runs;
      drawEarlier();
    },
    /** Back to an empty panel; with clearCharts, the curves go too. */
    reset({ clearCharts = false } = {}) {
      resetPanel();
      if (!clearCharts) return;
      for (const chart of Object.values(charts)) {
        chart.clear();
        chart.setXMax(null);
      }
    },
  };
}
