// One quantity of the inspector's trace on the page: its name, equation, shape, a note and its
// values, shown the way they read best: a few numbers (one per class) as bars, a vector as a
// heat map (an input image in its own shape), a matrix as a heat map of the same shape as the
// parameter it belongs to. The element carries data-testid="inspect-NAME" and data-shape="1x128".

import { createBars } from "../widgets/bars.js";
import { renderEquation } from "./equation.js";
import { createHeatmap, formatNumber } from "../widgets/heatmap.js";

const FEW = 20; // at most this many values are drawn as bars

// Index text of entry `flat` of an array of `shape`: "[412, 37]".
function unravel(flat, shape) {
  const index = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${index.join(", ")}]`;
}

// Columns for showing n values as a grid: a divisor of n between 8 and 32, else one row.
function gridColumns(n) {
  for (let d = 32; d >= 8; d--) if (n % d === 0 && n / d <= d) return d;
  for (let d = 32; d >= 8; d--) if (n % d === 0) return d;
  return n;
}

/** The values of quantity q: {element, update(q)} for a quantity of the same name and shape.
 * classes: the number of classes; imageShape: [H, W] of one input image (a vector of H*W values
 * is shown as that image), or null. */
export function renderValues(q, { classes, imageShape }) {
  const { name, shape, values } = q;
  const size = values.length;
  if (size === 1) {
    const scalar = document.createElement("p");
    scalar.className = "scalar num";
    const update = (next) => { scalar.textContent = `${name} = ${formatNumber(next.values[0])}`; };
    update(q);
    return { element: scalar, update };
  }
  const vector = shape.length === 1 || (shape.length === 2 && shape[0] === 1);
  if (vector && size <= FEW) {
    const labels = Array.from({ length: size }, (_, i) => (size === classes ? String(i) : `[${i}]`));
    const holder = document.createElement("div");
    const update = (next) => holder.replaceChildren(createBars({ values: next.values, labels, name, highlight: next.highlight ?? -1 }));
    update(q);
    return { element: holder, update };
  }
  const at = (flat) => unravel(flat, shape);
  let map;
  if (vector && imageShape && size === imageShape[0] * imageShape[1]) {
    const [rows, cols] = imageShape;
    const pixel = (flat) => `${at(flat)} (pixel row ${Math.floor(flat / cols)}, column ${flat % cols})`;
    map = createHeatmap({ values, rows, cols, name, at: pixel, maxWidth: 168, maxHeight: 168,
      label: `${name}, shown as the ${rows} by ${cols} image it is` });
  } else if (vector) {
    const cols = gridColumns(size);
    map = createHeatmap({ values, rows: size / cols, cols, name, at,
      label: `${name}, ${size} values in rows of ${cols}` });
  } else {
    const cols = shape[shape.length - 1];
    map = createHeatmap({ values, rows: size / cols, cols, name, at, label: `${name}, ${shape.join(" by ")}` });
  }
  return { element: map.element, update: (next) => map.update(next.values) };
}

/** The whole row for quantity q (name, equation, shape, note, range and values):
 * {element, update(q)} for new numbers of a quantity of the same name and shape. */
export function renderQuantity(q, options) {
  const item = document.createElement("li");
  item.className = "quantity";
  item.dataset.testid = `inspect-${q.name}`;
  item.dataset.shape = q.shape.length ? q.shape.join("x") : "1";
  item.dataset.pass = q.pass;
  const head = item.appendChild(document.createElement("div"));
  head.className = "quantity-head";
  const name = head.appendChild(document.createElement("code"));
  name.className = "quantity-name";
  name.textContent = q.name;
  const equation = head.appendChild(document.createElement("span"));
  const shape = head.appendChild(document.createElement("span"));
  shape.className = "quantity-shape muted";
  shape.textContent = q.shape.length ? q.shape.join(" × ") : "a number";
  const about = item.appendChild(document.createElement("p"));
  about.className = "quantity-note small";
  const values = renderValues(q, options);
  item.append(values.element);
  let tex = null;

  function update(next) {
    if (next.equation !== tex) {
      tex = next.equation;
      renderEquation(equation, tex);
    }
    const range = next.values.length > 1
      ? `from ${formatNumber(next.min)} to ${formatNumber(next.max)}, ‖${next.name}‖ = ${formatNumber(next.norm)}` : "";
    about.textContent = [next.note, range].filter(Boolean).join(" · ");
  }
  update(q);
  return {
    element: item,
    update(next) {
      update(next);
      values.update(next);
    },
  };
}
