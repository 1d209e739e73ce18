// What the network makes of a drawing: the digit, how sure it is, the 28x28 image it saw, the ten
// probability bars and each hidden layer's activations. It renders classify()'s answer; it does
// not talk to the worker.

import { diverging } from "../widgets/colours.js";
import { drawGray, paint } from "../widgets/images.js";

/** Build the ten probability bars once; returns a function that shows probabilities (or none). */
function createProbabilityBars(container) {
  const rows = [];
  for (let digit = 0; digit < 10; digit++) {
    const row = document.createElement("div");
    row.className = "prob";
    row.setAttribute("role", "listitem");
    row.innerHTML = `<span class="prob-digit">${digit}</span><span class="prob-track"><span class="prob-fill"></span></span><span class="prob-value num"></span>`;
    row.dataset.testid = `prob-${digit}`;
    row.dataset.value = "0";
    container.append(row);
    rows.push(row);
  }
  return (probabilities, best = -1) => {
    rows.forEach((row, digit) => {
      const p = probabilities ? probabilities[digit] : 0;
      row.dataset.value = String(p);
      row.classList.toggle("best", digit === best);
      row.querySelector(".prob-fill").style.width = `${(100 * p).toFixed(1)}%`;
      row.querySelector(".prob-value").textContent = probabilities ? `${(100 * p).toFixed(1)}%` : "";
      row.setAttribute("aria-label", probabilities ? `${digit}: ${(100 * p).toFixed(1)} percent` : `${digit}: no prediction`);
    });
  };
}

// The largest magnitude among values (a loop: spreading a long typed array into Math.max would not do).
function peakOf(values) {
  let peak = 1e-12;
  for (const v of values) peak = Math.max(peak, Math.abs(v));
  return peak;
}

/** Show each hidden layer's activations: a grid of shaded squares, one per unit, or for a
 * convolution's feature maps (a typed array shaped (channels, height, width)) one small image per channel. */
function drawActivations(container, layers) {
  container.replaceChildren();
  layers.forEach((values, index) => {
    const figure = document.createElement("figure");
    figure.className = "layer-grid";
    const peak = peakOf(values);
    const canvas = document.createElement("canvas");
    canvas.className = "pixelated";
    const maps = values.shape && values.shape.length === 3;
    if (maps) {
      const [channels, height, width] = values.shape;
      const gap = 1;
      const columns = Math.min(channels, 8);
      const rowsCount = Math.ceil(channels / columns);
      paint(canvas, columns * (width + gap) - gap, rowsCount * (height + gap) - gap, (x, y) => {
        const c = Math.floor(y / (height + gap)) * columns + Math.floor(x / (width + gap));
        const px = x % (width + gap);
        const py = y % (height + gap);
        if (c >= channels || px >= width || py >= height) return [0, 0, 0, 0];
        return diverging(values[(c * height + py) * width + px] / peak);
      });
      canvas.style.width = `${(columns * (width + gap) - gap) * Math.max(2, Math.round(48 / width))}px`;
    } else {
      const columns = Math.ceil(Math.sqrt(values.length * 2));
      const rowsCount = Math.ceil(values.length / columns);
      paint(canvas, columns, rowsCount, (x, y) => {
        const i = y * columns + x;
        return i < values.length ? diverging(values[i] / peak) : [0, 0, 0, 0];
      });
      canvas.style.width = `${columns * 10}px`;
    }
    const active = values.filter((v) => v > 0).length;
    const what = maps ? `${values.shape[0]} feature maps of ${values.shape[1]}×${values.shape[2]}` : `${values.length} units`;
    canvas.setAttribute("aria-label", `Hidden layer ${index + 1}: ${what}, ${active} of ${values.length} values active`);
    const caption = document.createElement("figcaption");
    caption.textContent = `Layer ${index + 1}: ${what}, ${active} of ${values.length} active`;
    figure.append(canvas, caption);
    container.append(figure);
  });
}

/** The prediction panel: digit, note, the 28x28 input, probability bars and hidden activations.
 * Returns show(result): result is classify()'s answer, or null for "nothing drawn yet". */
export function createPredictionView({ output, note, seen, probs, hidden, softmax = null }) {
  const showProbabilities = createProbabilityBars(probs);
  const idle = "Draw a digit to see what the network thinks.";
  return (result) => {
    if (softmax) softmax.hidden = !result || result.empty; // a word on "100% sure" beside every answer
    if (!result || result.empty) {
      output.dataset.digit = "";
      output.textContent = "–";
      note.textContent = result ? result.message : idle;
      showProbabilities(null);
      drawGray(seen, new Array(784).fill(0));
      hidden.innerHTML = `<p class="muted small">Draw a digit to see them.</p>`;
      return;
    }
    output.dataset.digit = String(result.digit);
    output.textContent = String(result.digit);
    note.textContent = `${(100 * result.probabilities[result.digit]).toFixed(1)}% sure`;
    showProbabilities(result.probabilities, result.digit);
    drawGray(seen, result.image);
    drawActivations(hidden, result.hidden);
  };
}
