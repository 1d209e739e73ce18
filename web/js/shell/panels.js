// Renders plain data into the page: probability bars, small images, activation grids, the
// first-layer weight mosaic, the confusion matrix and the gallery of mistakes. Nothing here
// talks to the worker or knows how the numbers were made.

import { diverging, INK, mix, PAPER } from "../widgets/colours.js";

/** Paint a canvas of width x height pixels, colourAt(x, y) -> [r, g, b, a?]. */
export function paint(canvas, width, height, colourAt) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = colourAt(x, y);
      const i = 4 * (y * width + x);
      image.data[i] = r;
      image.data[i + 1] = g;
      image.data[i + 2] = b;
      image.data[i + 3] = a;
    }
  }
  ctx.putImageData(image, 0, 0);
}

/** Draw a grayscale image (values in [0, 1] or [0, 255], 1 or 255 = ink) onto a canvas. */
export function drawGray(canvas, values, size = 28, scale = 1) {
  paint(canvas, size, size, (x, y) => mix(PAPER, INK, Math.min(values[y * size + x] / scale, 1)));
}

/** Build the ten probability bars once; returns a function that shows probabilities (or none). */
export function createProbabilityBars(container) {
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
export function drawActivations(container, layers) {
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

/** Draw weight images (a typed array shaped (k, size, size), values in [-1, 1]) as one mosaic. */
export function drawWeightMosaic(canvas, images, columns = 16) {
  const [count, size] = images.shape;
  const gap = 2;
  const cols = Math.min(columns, count);
  const rowsCount = Math.ceil(count / cols);
  const cell = size + gap;
  paint(canvas, cols * cell - gap, rowsCount * cell - gap, (x, y) => {
    const index = Math.floor(y / cell) * cols + Math.floor(x / cell);
    const px = x % cell;
    const py = y % cell;
    if (index >= count || px >= size || py >= size) return [0, 0, 0, 0];
    return diverging(images[(index * size + py) * size + px]);
  });
  canvas.style.width = `${(cols * cell - gap) * Math.max(1, Math.round(56 / size))}px`;
}

/** A table of class `className` whose caption, for screen readers only, says what it shows. */
export function captionedTable(className, captionText) {
  const table = document.createElement("table");
  table.className = className;
  const caption = document.createElement("caption");
  caption.className = "visually-hidden";
  caption.textContent = captionText;
  table.append(caption);
  return table;
}

/** Render a 10x10 confusion matrix as a shaded table (rows: true digit, columns: predicted). */
export function drawConfusion(container, confusion) {
  const table = captionedTable("confusion", "Confusion matrix: rows are true digits, columns are predicted digits; the outlined diagonal is right, italic counts are mistakes");
  const head = document.createElement("tr");
  head.innerHTML = `<th scope="col"><abbr title="true digit \\ predicted digit">true\\pred</abbr></th>` +
    confusion.map((_, j) => `<th scope="col">${j}</th>`).join("") + `<th scope="col">right</th>`;
  const thead = document.createElement("thead");
  thead.append(head);
  const tbody = document.createElement("tbody");
  let roving = false; // a cell button is already the table's tab stop
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = String(i);
    tr.append(th);
    row.forEach((count, j) => {
      const td = document.createElement("td");
      const share = count / total;
      td.title = `true ${i}, predicted ${j}: ${count} (${(100 * share).toFixed(1)}% of the ${i}s)`;
      if (count > 0) {
        // A cell with digits in it is a button that shows them (one tab stop: arrows move within).
        const button = td.appendChild(document.createElement("button"));
        button.type = "button";
        button.className = "cell-button";
        button.dataset.label = String(i);
        button.dataset.predicted = String(j);
        button.tabIndex = roving ? -1 : 0;
        roving = true;
        button.textContent = String(count);
        button.setAttribute("aria-label", `${td.title}. Show these digits.`);
      } else {
        td.textContent = "0";
      }
      if (i === j) {
        td.className = "diag";
        td.style.background = `rgba(22, 163, 74, ${(0.15 + 0.6 * share).toFixed(3)})`;
      } else if (count > 0) {
        td.className = "miss";
        // Mistakes are rare; a square-root scale keeps small counts visible.
        td.style.background = `rgba(220, 38, 38, ${Math.min(0.85, 0.08 + 2.2 * Math.sqrt(share) * 0.5).toFixed(3)})`;
      }
      tr.append(td);
    });
    const right = document.createElement("td");
    right.className = "row-acc num";
    right.textContent = `${((100 * row[i]) / total).toFixed(1)}%`;
    tr.append(right);
    tbody.append(tr);
  });
  table.append(thead, tbody);
  container.replaceChildren(table);
}

/** Show misclassified digits, each with its true label, the prediction and its confidence. */
export function drawMistakes(container, mistakes) {
  container.replaceChildren();
  delete container.dataset.filter; // a fresh gallery shows every mistake
  const opens = container.dataset.opens === "true"; // each digit opens in the inspector
  if (!mistakes.length) {
    container.innerHTML = `<p class="muted small">No mistakes on the test set.</p>`;
    return;
  }
  for (const m of mistakes) {
    const figure = document.createElement("figure");
    figure.className = "mistake";
    const canvas = document.createElement("canvas");
    canvas.className = "pixelated";
    drawGray(canvas, m.pixels, 28, 255);
    const confidence = `${Math.round(100 * m.confidence)}%`;
    canvas.setAttribute("aria-label", `A ${m.label} that the network read as ${m.predicted} (${confidence} sure)`);
    const caption = document.createElement("figcaption");
    caption.innerHTML = `<span class="true">${m.label}</span> → <strong>${m.predicted}</strong> <span class="muted">${confidence}</span>`;
    figure.dataset.index = String(m.index);
    if (opens) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "mistake-open";
      button.dataset.index = String(m.index);
      button.setAttribute("aria-label", `${canvas.getAttribute("aria-label")}: test digit ${m.index}. Open it in the inspector.`);
      button.append(canvas);
      figure.append(button, caption);
    } else {
      figure.append(canvas, caption);
    }
    container.append(figure);
  }
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

/** A list of loading steps; returns update({id, state, detail, at}) for one step. */
export function createStepList(list, steps) {
  for (const step of steps) {
    const li = document.createElement("li");
    li.id = `step-${step.id}`;
    li.dataset.state = "waiting";
    li.innerHTML = `<span class="step-icon" aria-hidden="true"></span><span class="step-label"></span><span class="step-detail muted"></span>`;
    li.querySelector(".step-label").textContent = step.label;
    list.append(li);
  }
  return ({ id, state, detail, at }) => {
    const li = list.querySelector(`#step-${id}`);
    if (!li) return;
    li.dataset.state = state;
    li.querySelector(".step-detail").textContent =
      state === "done" ? `done at ${at.toFixed(1)} s` : state === "error" ? "failed" : detail || (state === "active" ? "working…" : "");
  };
}
