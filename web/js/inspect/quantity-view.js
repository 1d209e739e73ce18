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

// Maps laid out as square tiles in a grid: a convolution's feature maps (N, C, H, W) or (C, H, W),
// one tile per channel; its filters (F, C, KH, KW), one row of tiles per filter, one tile per
// channel. The tiles share one heat map (a blank line of cells between tiles), whose cells point
// back to the array's own indexes.
function tiles(shape) {
  const [h, w] = shape.slice(-2);
  const count = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const lead = shape.filter((d, i) => i < shape.length - 2 && d > 1);
  const columns = lead.length === 2 && lead[1] <= 32 ? lead[1] : Math.ceil(Math.sqrt(count));
  return { h, w, count, columns, rows: Math.ceil(count / columns) };
}

function tiledMap(q, at) {
  const { name, shape } = q;
  const { h, w, count, columns, rows } = tiles(shape);
  const cols = columns * (w + 1) - 1;
  const height = rows * (h + 1) - 1;
  // Cell (r, c) of the grid -> the flat index in the array, or -1 between tiles and past the last.
  const source = (flat) => {
    const r = Math.floor(flat / cols);
    const c = flat % cols;
    const [y, x] = [r % (h + 1), c % (w + 1)];
    const tile = Math.floor(r / (h + 1)) * columns + Math.floor(c / (w + 1));
    return y < h && x < w && tile < count ? tile * h * w + y * w + x : -1;
  };
  const lay = (values) => Float64Array.from({ length: height * cols }, (_, flat) => {
    const i = source(flat);
    return i < 0 ? 0 : values[i];
  });
  const filters = shape.length === 4 && shape[0] > 1;
  const what = filters
    ? `${shape[0]} filters of ${h} by ${w}, each with ${shape[1]} ${shape[1] === 1 ? "channel" : "channels"} (a row of squares per filter)`
    : `${count === 1 ? "one map" : `${count} maps`} of ${h} by ${w} (a square per channel)`;
  const map = createHeatmap({
    values: lay(q.values), rows: height, cols, name, maxWidth: 320, maxHeight: 320, count: q.values.length,
    at: (flat) => (source(flat) < 0 ? " (between the squares)" : at(source(flat))),
    label: `${name}, ${shape.join(" by ")}: ${what}`,
  });
  map.element.classList.add("tiled");
  map.element.dataset.tiles = `${count}x${h}x${w}`;
  return { element: map.element, update: (values) => map.update(lay(values)) };
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
  } else if (shape.length >= 3 && shape.at(-1) > 1 && shape.at(-2) > 1) {
    const tiled = tiledMap(q, at);
    return { element: tiled.element, update: (next) => tiled.update(next.values) };
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
