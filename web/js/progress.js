// The live view of a training run: turns the trainer's plain-data events into progress bars,
// figures (samples/s, time left, learning rate) and one summary point per chart per chunk.
// It never talks to the worker; the wiring module hands it the events.

import { createLineChart, PALETTE } from "./charts.js";

const $ = (id) => document.getElementById(id);
const percent = (v) => `${(100 * v).toFixed(1)}%`;

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
      yRange: [0, 1],
      formatY: percent,
      series: [{ label: "train (recent batches)" }, { label: "test", sparse: true }],
      emptyText,
    }),
    grads: createLineChart($("chart-grads"), { xLabel: "epoch", logY: true, series: [{ label: "layer" }], emptyText }),
    lr: createLineChart($("chart-lr"), { xLabel: "epoch", series: [{ label: "learning rate", color: PALETTE[2] }], emptyText }),
  };
  let speed = 0; // smoothed samples per second, for the time-left estimate

  function resetPanel() {
    $("epoch-progress").value = 0;
    $("batch-progress").value = 0;
    for (const id of ["epoch-text", "batch-text", "eta", "lr"]) $(id).textContent = "–";
    speed = 0;
  }

  return {
    /** Show one chunk of "progress" events (batch size is needed for the time left). */
    chunk(progress, batchSize) {
      const last = progress[progress.length - 1];
      const mean = (key) => progress.reduce((sum, e) => sum + e[key], 0) / progress.length;
      const x = last.epoch + last.batch / last.batches;
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
      const measured = last.samples_per_sec;
      if (measured > 0) {
        const throughput = $("throughput");
        throughput.dataset.value = String(measured);
        throughput.textContent = Math.round(measured).toLocaleString("en-US");
        speed = speed ? 0.8 * speed + 0.2 * measured : measured;
      }
      const batchesLeft = (last.epochs - last.epoch - 1) * last.batches + (last.batches - last.batch);
      $("eta").textContent = batchSize && speed ? duration((batchesLeft * batchSize) / speed) : "–";
    },
    /** Add an "epoch" event's held-out test figures to the charts. */
    epoch(event) {
      charts.loss.append(event.epoch, [null, event.test_loss]);
      charts.accuracy.append(event.epoch, [null, event.test_accuracy]);
    },
    /** The run has ended. */
    finished() {
      $("eta").textContent = "done";
    },
    /** Back to an empty panel; with clearCharts, the curves go too. */
    reset({ clearCharts = false } = {}) {
      resetPanel();
      if (clearCharts) for (const chart of Object.values(charts)) chart.clear();
    },
  };
}
