// The gradient check panel: on request, the worker nudges sampled weights of every layer of the
// current network (centred differences, float64, on a mini-batch) and this shows, for each, the
// gradient backprop gives beside the measured one, their relative error, each layer's largest,
// and the reading in plain words. [data-testid=gradcheck] carries data-max-rel-error (empty
// while the check runs).

import { formatNumber } from "../widgets/heatmap.js";
import { noteIfStopped } from "../code/stopped-note.js";

const $ = (id) => document.getElementById(id);

function cell(row, text, className = "num") {
  const td = row.appendChild(document.createElement("td"));
  td.className = className;
  td.textContent = text;
  return td;
}

function table(result) {
  const t = document.createElement("table");
  t.className = "gradcheck-table";
  const caption = t.appendChild(document.createElement("caption"));
  caption.className = "visually-hidden";
  caption.textContent = "Each sampled weight: the gradient from backpropagation, the measured one, and their relative error";
  const head = t.appendChild(document.createElement("thead")).appendChild(document.createElement("tr"));
  for (const title of ["layer", "weight", "backprop (analytic)", "measured (numerical)", "relative error"]) {
    const th = head.appendChild(document.createElement("th"));
    th.scope = "col";
    th.textContent = title;
  }
  const body = t.appendChild(document.createElement("tbody"));
  const worst = Object.fromEntries(result.layers.map((l) => [l.layer, l.max_rel_error]));
  for (const e of result.entries) {
    const row = body.appendChild(document.createElement("tr"));
    cell(row, e.layer, "");
    cell(row, `${e.param}[${e.index.join(", ")}]`, "code");
    cell(row, formatNumber(e.analytic));
    cell(row, formatNumber(e.numerical));
    const error = cell(row, e.rel_error.toExponential(1));
    error.classList.toggle("worst", e.rel_error === worst[e.layer] && e.rel_error > 1e-5);
  }
  const foot = t.appendChild(document.createElement("tfoot"));
  for (const l of result.layers) {
    const row = foot.appendChild(document.createElement("tr"));
    const th = row.appendChild(document.createElement("th"));
    th.scope = "row";
    th.colSpan = 4;
    th.textContent = `largest in ${l.layer}`;
    cell(row, l.max_rel_error.toExponential(1));
  }
  return t;
}

/** Wire the Run button; returns {stale()}: the network changed, so a shown check is out of date. */
export function createGradcheckView(client) {
  const panel = document.querySelector("[data-testid=gradcheck]");
  const button = document.querySelector("[data-testid=run-gradcheck]");

  async function run() {
    button.disabled = true;
    panel.dataset.maxRelError = "";
    panel.setAttribute("aria-busy", "true");
    $("gradcheck-reading").textContent = "Nudging each sampled weight up and down by h and measuring the loss…";
    $("gradcheck-stale").textContent = "";
    try {
      const result = await client.spotCheck({});
      $("gradcheck-reading").textContent = `${result.reading} (${result.entries.length} weights, a mini-batch of ` +
        `${result.batch_size} training digits, h = ${result.h.toExponential(0)}, largest relative error ${result.max_rel_error.toExponential(1)}.)`;
      $("gradcheck-table").replaceChildren(table(result));
      panel.dataset.maxRelError = String(result.max_rel_error);
      panel.dataset.modelId = String(result.model_id);
      panel.dataset.step = result.step === null ? "" : String(result.step);
    } catch (err) {
      $("gradcheck-reading").textContent = `The check could not run: ${err.message}`;
      noteIfStopped(err, $("gradcheck-reading"), "gradcheck");
    } finally {
      button.disabled = false;
      panel.setAttribute("aria-busy", "false");
    }
  }

  button.addEventListener("click", run);
  button.disabled = false;
  return {
    stale() {
      if (panel.dataset.maxRelError) $("gradcheck-stale").textContent = "The weights have changed since this check: run it again to check the new ones.";
    },
  };
}
