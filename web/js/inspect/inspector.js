// The inspector panel: one example (an official test digit, or the learner's own drawing with the
// label they pick) through the current network, forward layer by layer and backward in reverse,
// each quantity beside its equation; and "Apply one update", one SGD step on that example alone.
// All numbers come from the worker's trace (the network's own layers); this module only asks and
// shows. Answers are tied to a request number, so a late answer for another example is dropped.
// Test contract: [data-testid=inspector] carries data-prob and data-loss (empty while computing).

import { createBars } from "../widgets/bars.js";
import { formatNumber } from "../widgets/heatmap.js";
import { renderQuantity } from "./quantity-view.js";
import { noteIfStopped } from "../code/stopped-note.js";

const $ = (id) => document.getElementById(id);
const WHOLE = /^\d+$/;

/**
 * client: the worker client. view: the page's view (view.inspect: the test digit the URL asks
 * for, or null). testSize: how many test digits there are. ink(): the last drawing or null.
 * notify(text): a notice. onExample(index or null): the example changed (to update the URL).
 */
export function createInspector(client, { view, testSize, classes, ink, notify, onExample }) {
  const root = $("inspector");
  const indexInput = $("inspect-index");
  const indexError = $("inspect-index-error");
  const labelSelect = $("inspect-label");
  const updateButton = document.querySelector("[data-testid=apply-update]");
  const updateResult = $("update-result");
  let source = { kind: "test", index: 0 };
  let seq = 0;
  let shown = null; // the trace on the page
  let asking = null; // the request under way, if any

  for (let digit = 0; digit < classes; digit++) labelSelect.append(new Option(String(digit), String(digit)));
  indexInput.setAttribute("aria-describedby", "inspect-index-help inspect-index-error");
  $("inspect-index-help").textContent = `0 to ${testSize - 1}`;

  if (view.inspect !== null && view.inspect >= testSize) {
    notify(`The link's inspect=${view.inspect} was refused: there are ${testSize.toLocaleString("en")} test digits, ` +
      `numbered 0 to ${testSize - 1}. Test digit 0 is shown.`);
    view.inspect = null;
  }
  if (view.inspect !== null) source = { kind: "test", index: view.inspect };
  indexInput.value = String(source.index);

  // The arguments and the optional bytes of a call about the current example.
  function request() {
    if (source.kind === "test") return [{ index: source.index }, null];
    const drawing = ink();
    if (!drawing) throw new Error("the pad is empty: draw a digit first.");
    return [{ label: source.label, width: drawing.width, height: drawing.height }, drawing.pixels.slice()];
  }

  function describe(trace) {
    const what = trace.source.kind === "test" ? `Test digit ${trace.source.index}` : "Your drawing";
    const verdict = trace.predicted === trace.label ? "right" : `wrong: it says ${trace.predicted}`;
    const when = trace.step === null ? "the current model" : `the model after ${trace.step} training steps`;
    return `${what}, a ${trace.label}: p of the true class, p_${trace.label} = ${formatNumber(trace.prob)}, ` +
      `so the loss L = −log p_${trace.label} = ${formatNumber(trace.loss)}. The network's answer is ${trace.predicted} ` +
      `(${verdict}). Numbers from ${when}, computed in float64.`;
  }

  // Each quantity on the page: {name, shape, update(q)}. New numbers of the same quantities
  // (another example, the next step) are painted in place: no new elements, focus kept.
  let views = [];

  function render(trace) {
    shown = trace;
    const all = [...trace.forward, ...trace.backward].map((q) => ({ ...q, highlight: q.values.length === classes ? trace.label : -1 }));
    const same = views.length === all.length && all.every((q, i) => views[i].name === q.name && views[i].shape === q.shape.join("x"));
    if (same) {
      for (const [i, q] of all.entries()) views[i].update(q);
    } else {
      const options = { classes, imageShape: trace.image_shape };
      views = all.map((q) => ({ name: q.name, shape: q.shape.join("x"), ...renderQuantity(q, options) }));
      $("inspect-forward").replaceChildren(...views.slice(0, trace.forward.length).map((v) => v.element));
      $("inspect-backward").replaceChildren(...views.slice(trace.forward.length).map((v) => v.element));
    }
    $("inspect-summary").textContent = describe(trace);
    root.dataset.source = trace.source.kind === "test" ? `test:${trace.source.index}` : "drawing";
    root.dataset.label = String(trace.label);
    root.dataset.step = trace.step === null ? "" : String(trace.step);
    root.dataset.modelId = String(trace.model_id);
    root.dataset.prob = String(trace.prob);
    root.dataset.loss = String(trace.loss);
    updateButton.disabled = false;
  }

  // Asks for the current example's trace. Changes that come while one is being computed are
  // folded into one more request after it: a burst of them costs the worker two traces, not one each.
  function refresh() {
    if (root.closest("[hidden]")) return; // the panel is not shown: nothing to compute
    if (source.kind === "drawing" && !ink()) return;
    seq++;
    root.dataset.prob = "";
    root.dataset.loss = "";
    root.setAttribute("aria-busy", "true");
    updateButton.disabled = true;
    updateResult.replaceChildren();
    delete updateResult.dataset.probBefore;
    delete updateResult.dataset.probAfter;
    if (!asking) asking = ask().finally(() => { asking = null; });
  }

  async function ask() {
    for (;;) {
      const mine = seq;
      try {
        const [args, data] = request();
        const asked = performance.now();
        const trace = await client.inspect(args, data);
        if (mine !== seq) continue; // the example or the model changed meanwhile: ask again
        const answered = performance.now();
        render(trace);
        // Where the time goes, for the benchmark (and anyone's performance panel).
        performance.measure("inspector: trace in the worker", { start: asked, end: answered });
        performance.measure("inspector: drawing it", { start: answered, end: performance.now() });
      } catch (err) {
        noteIfStopped(err, $("inspect-summary"), "inspect");
        if (mine !== seq) continue;
        $("inspect-summary").textContent = `Could not inspect this example: ${err.message}`;
      }
      root.setAttribute("aria-busy", "false");
      return;
    }
  }

  // A test digit chosen by number: checked here, so a typo is explained and nothing is lost.
  function chooseIndex(text) {
    const value = String(text).trim();
    const index = Number(value);
    const ok = WHOLE.test(value) && index < testSize;
    indexInput.setAttribute("aria-invalid", String(!ok));
    indexError.textContent = ok ? "" : `Enter a whole number from 0 to ${testSize - 1}.`;
    if (!ok) return;
    indexInput.value = String(index);
    open(index);
  }

  function open(index) {
    source = { kind: "test", index };
    indexInput.value = String(index);
    indexInput.setAttribute("aria-invalid", "false");
    indexError.textContent = "";
    onExample(index);
    refresh();
  }

  // What the two bars of each row are.
  function updateLegend() {
    const legend = document.createElement("p");
    legend.className = "bars-legend small";
    legend.dataset.testid = "update-legend";
    const key = (kind, words) => {
      const swatch = document.createElement("span");
      swatch.className = `bars-key ${kind}`;
      swatch.setAttribute("aria-hidden", "true");
      return [swatch, document.createTextNode(words)];
    };
    legend.append(...key("before", " upper bar: before the step "), ...key("after", " lower bar: after it"));
    return legend;
  }

  async function applyUpdate() {
    if (!shown) return;
    const mine = seq;
    updateButton.disabled = true;
    updateResult.dataset.probBefore = "";
    updateResult.dataset.probAfter = "";
    try {
      const [args, data] = request();
      const moved = await client.inspectUpdate(args, data);
      if (mine !== seq) return;
      const y = moved.label;
      const gain = moved.after[y] - moved.before[y];
      let fell = -1;
      for (let i = 0; i < moved.before.length; i++) {
        if (i !== y && (fell < 0 || moved.after[i] - moved.before[i] < moved.after[fell] - moved.before[fell])) fell = i;
      }
      const text = document.createElement("p");
      text.textContent = `One plain SGD step, W ← W − ${formatNumber(moved.learning_rate)} · dW, on this example alone ` +
        `(made on a copy: the model itself is unchanged) moved p_${y} from ${formatNumber(moved.before[y])} to ` +
        `${formatNumber(moved.after[y])} (${gain >= 0 ? "+" : ""}${formatNumber(gain)}), and the loss from ` +
        `${formatNumber(moved.loss_before)} to ${formatNumber(moved.loss_after)}. The other classes moved too: together ` +
        `they gave up the same ${formatNumber(gain)}, most of it p_${fell} (${formatNumber(moved.after[fell] - moved.before[fell])}).`;
      const labels = Array.from(moved.before, (_, i) => String(i));
      // For a confident digit p hardly moves on this scale; the loss, on a scale of its own, does.
      const lossChange = (moved.loss_after - moved.loss_before) / (moved.loss_before || 1);
      const loss = document.createElement("p");
      loss.className = "small";
      loss.textContent = `The loss on its own scale: ${lossChange <= 0 ? "down" : "up"} by ` +
        `${formatNumber(Math.abs(100 * lossChange))}% of what it was${moved.before[y] > 0.99 ? " (p_" + y + " was already near 1, so its bar hardly moves)" : ""}.`;
      updateResult.replaceChildren(
        text, updateLegend(),
        createBars({ values: moved.before, after: moved.after, labels, name: "p before and after", highlight: y }),
        loss, createBars({ values: [moved.loss_before], after: [moved.loss_after], labels: ["L"], name: "the loss before and after" }),
      );
      updateResult.dataset.probBefore = String(moved.before[y]);
      updateResult.dataset.probAfter = String(moved.after[y]);
      updateResult.dataset.lossBefore = String(moved.loss_before);
      updateResult.dataset.lossAfter = String(moved.loss_after);
    } catch (err) {
      updateResult.textContent = `Could not apply the update: ${err.message}`;
      noteIfStopped(err, updateResult, "update");
    } finally {
      updateButton.disabled = false;
    }
  }

  $("inspect-form").addEventListener("submit", (event) => {
    event.preventDefault();
    chooseIndex(indexInput.value);
  });
  $("inspect-prev").addEventListener("click", () => open((source.kind === "test" ? source.index - 1 + testSize : 0) % testSize));
  $("inspect-next").addEventListener("click", () => open((source.kind === "test" ? source.index + 1 : 0) % testSize));
  $("inspect-drawing").addEventListener("click", () => {
    if (!ink()) {
      $("inspect-summary").textContent = "Draw a digit on the pad first, then pick which digit it is.";
      return;
    }
    source = { kind: "drawing", label: Number(labelSelect.value) };
    onExample(null);
    refresh();
  });
  labelSelect.addEventListener("change", () => {
    if (source.kind === "drawing") {
      source = { kind: "drawing", label: Number(labelSelect.value) };
      refresh();
    }
  });
  updateButton.addEventListener("click", applyUpdate);

  return {
    /** Compute the current example again (the model or its weights changed). */
    refresh,
    /** Show official test digit `index`. */
    open,
    /** The learner drew again: an inspected drawing is re-read. */
    inkChanged() {
      if (source.kind === "drawing") refresh();
    },
  };
}
