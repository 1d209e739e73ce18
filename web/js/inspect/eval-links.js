// Links from the evaluation to single digits: a confusion-matrix cell filters the gallery to the
// test digits in it (mistakes the most confident first, right answers the least sure first), and
// a digit in the gallery opens in the inspector. The matrix is one tab stop; the arrow keys move
// between its cells. Answers about a model that has since been replaced are dropped.

import { drawMistakes } from "../training/evaluation-view.js";

const SHOWN = 24;
const $ = (id) => document.getElementById(id);

/**
 * client: the worker client; modelId(): the current model's id; open(index): show test digit
 * `index` in the inspector (null when the inspector is not on the page); report(err).
 */
export function createEvalLinks(client, { modelId, open, report }) {
  const confusion = $("confusion");
  const gallery = $("mistakes");
  gallery.dataset.opens = String(Boolean(open));

  function note(text, showAll) {
    const p = document.createElement("p");
    p.className = "small filter-note";
    p.textContent = text;
    if (showAll) {
      const button = p.appendChild(document.createElement("button"));
      button.type = "button";
      button.className = "link-button";
      button.dataset.testid = "show-all-mistakes";
      button.textContent = "Show the most confident mistakes again";
      button.addEventListener("click", showAllMistakes);
    }
    return p;
  }

  async function filter(label, predicted) {
    const id = modelId();
    try {
      const cell = await client.cellExamples({ label, predicted, count: SHOWN });
      if (cell.model_id !== id || id !== modelId()) return;
      drawMistakes(gallery, cell.examples);
      const which = label === predicted ? `the ${label}s read as ${label} (right), the least sure first`
        : `the ${label}s read as ${predicted}, the most confident first`;
      const count = cell.total > cell.examples.length ? `${cell.examples.length} of ${cell.total}` : `all ${cell.total}`;
      gallery.prepend(note(`Showing ${count} of ${which}. `, true));
      gallery.dataset.filter = `${label},${predicted}`;
    } catch (err) {
      report(err);
    }
  }

  async function showAllMistakes() {
    const id = modelId();
    try {
      const { mistakes, model_id: from } = await client.mistakes({ count: SHOWN });
      if (from === id && id === modelId()) drawMistakes(gallery, mistakes);
    } catch (err) {
      report(err);
    }
  }

  confusion.addEventListener("click", (event) => {
    const button = event.target.closest(".cell-button");
    if (button) filter(Number(button.dataset.label), Number(button.dataset.predicted));
  });
  // Arrow keys move between the cells that have digits (roving tab stop).
  confusion.addEventListener("keydown", (event) => {
    const from = event.target.closest(".cell-button");
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!from || !(event.key in moves)) return;
    event.preventDefault();
    const [dr, dc] = moves[event.key];
    const n = confusion.querySelectorAll("tbody tr").length;
    let [r, c] = [Number(from.dataset.label) + dr, Number(from.dataset.predicted) + dc];
    for (; r >= 0 && r < n && c >= 0 && c < n; r += dr, c += dc) {
      const to = confusion.querySelector(`.cell-button[data-label="${r}"][data-predicted="${c}"]`);
      if (to) {
        from.tabIndex = -1;
        to.tabIndex = 0;
        to.focus();
        return;
      }
    }
  });
  gallery.addEventListener("click", (event) => {
    const button = event.target.closest(".mistake-open");
    if (button && open) open(Number(button.dataset.index));
  });
}
