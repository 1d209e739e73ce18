// The model's panels: the model line (how far the model is trained, to the step when a run is part
// way through an epoch), finished epochs and test accuracy, the evaluation (confusion
// matrix and mistakes) and the first layer's weights. Each refresh is tied to a model id, so an
// answer about a model that has since been replaced is dropped, never shown. The evaluation comes
// in short pieces, so a drawing is read between them.

import { drawMosaic } from "../widgets/images.js";
import { drawConfusion, drawMistakes } from "./evaluation-view.js";

const MISTAKES_SHOWN = 24;
const WEIGHT_UNITS = 64;
const EVALUATION_PIECE_MS = 20; // a drawing waits for the piece under way: keep it short

const $ = (id) => document.getElementById(id);
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const count = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** How far a model is trained: "3 epochs", or part-way through an epoch "12 steps" or "1 epoch
 * and 12 steps". run: the summary's run ({step}) or null; batches: batches per epoch (needed once
 * an epoch is done; without it only the finished epochs are told). */
// What the first layer's squares are: a dense unit's weights over the whole image, or a filter.
function weightsAbout(filter, shape) {
  if (!filter) {
    return `Each square is one hidden unit's ${shape[1] * shape[2]} input weights, laid out as the ${shape[1]}×${shape[2]} image they weigh: ` +
      "orange pixels push the unit up, blue ones push it down. Trained units show strokes and blobs; untrained ones are noise.";
  }
  const size = `${filter.height}×${filter.width}`;
  const channels = filter.channels === 1 ? "over its one input channel (the pixels)"
    : `for each of its ${filter.channels} input channels (shown: the first)`;
  return `Each square is one first-layer filter: ${size} weights ${channels}. The filter slides over ` +
    `the whole image, and at every spot its output is how well the ${size} patch there matches it: orange weights ` +
    "push it up, blue ones down. Trained filters show edges and strokes; untrained ones are noise.";
}

export function trainedText(epochs, run, batches) {
  const within = run && (epochs === 0 ? run.step : batches ? run.step - epochs * batches : 0);
  if (!within) return count(epochs, "epoch");
  return epochs ? `${count(epochs, "epoch")} and ${count(within, "step")}` : count(within, "step");
}

/** client: the worker client; report(err) shows a failed call. */
export function createModelView(client, report) {
  let model = null; // the worker's latest summary
  let evaluated = 0; // id of the model whose evaluation is shown (or under way)
  // Batches per epoch, from the "progress" events (the summary does not carry them), for the
  // settings they were seen with: the same settings give the same number.
  let batches = { config: "", n: 0 };

  function setEpoch(n) {
    $("epoch").dataset.value = String(n);
    $("epoch").textContent = String(n);
  }

  // The training steps of the run, if there is one.
  function showStep(run) {
    $("step-count").dataset.value = run ? String(run.step) : "";
    $("step-count").textContent = run ? String(run.step) : "–";
  }

  function setTestAccuracy(value) {
    const el = $("test-accuracy");
    el.dataset.value = value == null ? "" : String(value);
    el.textContent = value == null ? "–" : pct(value);
  }

  function clearEvaluation() {
    $("confusion").innerHTML = `<p class="muted small">Not evaluated yet.</p>`;
    $("mistakes").innerHTML = `<p class="muted small">Not evaluated yet.</p>`;
    $("eval-when").textContent = "";
  }

  async function refreshWeights(id) {
    try {
      const { units, images, filter, model_id: from } = await client.firstLayerWeights({ max_units: WEIGHT_UNITS });
      if (from !== model.id || id !== model.id) return;
      drawMosaic($("weights"), images);
      $("weights-about").textContent = weightsAbout(filter, images.shape);
      $("weights-note").textContent = images.shape[0] < units ? `Showing ${images.shape[0]} of ${units} units.` : "";
    } catch (err) {
      report(err);
    }
  }

  async function refreshMistakes(id) {
    const { mistakes, model_id: from } = await client.mistakes({ count: MISTAKES_SHOWN });
    if (from === id && id === model.id) drawMistakes($("mistakes"), mistakes);
  }

  // The test-set evaluation of model `id`, in pieces; abandoned as soon as the model changes.
  async function evaluate(id) {
    evaluated = id;
    try {
      for (;;) {
        if (id !== model.id) return;
        const result = await client.evaluate({ budget_ms: EVALUATION_PIECE_MS });
        if (result.model_id !== id || id !== model.id) return;
        if (result.done) {
          drawConfusion($("confusion"), result.confusion);
          setTestAccuracy(result.test_accuracy);
          await refreshMistakes(id);
          return;
        }
      }
    } catch (err) {
      if (id === model.id) $("confusion").textContent = `Could not evaluate this model: ${err.message}`;
      report(err);
    }
  }

  // The model line: what the model is, how far it is trained, its test accuracy.
  function showLine() {
    const acc = model.test_accuracy == null ? "not evaluated" : `test accuracy ${pct(model.test_accuracy)}`;
    const perEpoch = batches.config === JSON.stringify(model.config) ? batches.n : 0;
    const trained = trainedText(model.epochs_trained, model.run, perEpoch);
    const info = $("model-info");
    info.textContent = `Model: ${model.name} · ${model.architecture} · ${model.activation} · trained ${trained} · ${acc}`;
    info.dataset.modelId = String(model.id);
    info.dataset.epochs = String(model.epochs_trained);
  }

  return {
    /** The worker's summary of its current model: shown at once; a new model is refreshed. */
    set(summary) {
      const changed = !model || summary.id !== model.id;
      model = summary;
      showLine();
      setEpoch(summary.epochs_trained);
      showStep(summary.run);
      setTestAccuracy(summary.test_accuracy);
      if (changed) {
        clearEvaluation();
        refreshWeights(summary.id);
        // A fresh, untrained model has nothing worth evaluating; the others are evaluated at once,
        // unless no panel shows the result (an embed of the drawing pad or the playground alone:
        // the evaluation would only hold up the worker).
        const shown = !$("train-section").hidden || !$("eval-section").hidden;
        if (summary.name !== "untrained" && shown) evaluate(summary.id);
      }
      return changed;
    },
    /** The run's position moved ({step, finished, diverged}); nothing else in the summary changed. */
    setRun(run) {
      model = { ...model, run };
      showStep(run);
      showLine();
    },
    /** The last "progress" event of a chunk: where the run is within its epoch. */
    progress(event) {
      const config = JSON.stringify(model.config);
      if (batches.config === config && batches.n === event.batches) return;
      batches = { config, n: event.batches };
      showLine();
    },
    /** The current summary. */
    current: () => model,
    /** An "epoch" event: its evaluation is the model's now (no need to evaluate again). */
    epoch(event, seconds) {
      if (!event.evaluated) return;
      evaluated = model.id;
      drawConfusion($("confusion"), event.confusion);
      $("eval-when").textContent = `(after epoch ${event.epoch}, which took ${seconds.toFixed(1)} s)`;
      setTestAccuracy(event.test_accuracy);
      refreshMistakes(model.id).catch(report);
      refreshWeights(model.id);
    },
    /** Re-read the weights (while training, every few seconds). */
    refreshWeights: () => refreshWeights(model.id),
    /** Evaluate the current model again unless its evaluation is already shown. */
    evaluateIfNeeded() {
      if (evaluated !== model.id) evaluate(model.id);
    },
  };
}
