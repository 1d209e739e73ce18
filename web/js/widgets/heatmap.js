// A heat map of an array of numbers: one cell per value (orange above zero, blue below, white at
// zero, scaled by the largest magnitude), and the exact number of the cell under the pointer or
// under the keyboard cursor. The map is one tab stop; the arrow keys move the cursor (Shift: 10
// cells, Home/End: the row's ends) and the value is announced. It knows nothing of networks.

import { diverging } from "./colours.js";

const MAX_CELL = 12; // CSS pixels: a small array still reads as cells, not as a wall of colour
let made = 0; // heat maps made so far, for unique ids

// The diverging colours of 255 levels from -1 to 1, as RGBA words: painting 100,000 cells is then
// one table look-up each (this runs on every refresh of the inspector).
const LEVELS = 255;
const PALETTE = new Uint32Array(LEVELS);
new Uint8Array(PALETTE.buffer).set(Array.from({ length: LEVELS }, (_, k) => [...diverging((2 * k) / (LEVELS - 1) - 1), 255]).flat());

function paintValues(canvas, values, rows, cols, scale) {
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  const words = new Uint32Array(image.data.buffer);
  const half = (LEVELS - 1) / 2;
  for (let i = 0; i < words.length; i++) {
    words[i] = PALETTE[Math.max(0, Math.min(LEVELS - 1, Math.round((values[i] * scale + 1) * half)))];
  }
  ctx.putImageData(image, 0, 0);
}

/** A number as a learner would read it: 4 significant digits, exponents for the very small. */
export function formatNumber(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/**
 * values: a typed array laid out as `rows` x `cols` cells (row-major). name: what they are
 * ("dW1"); at(flat) -> the entry's index as text ("[412, 37]"). Returns {element, update(values)}:
 * update repaints new values of the same layout in place (focus, cursor and layout stay). count:
 * how many of the cells are values (when some only space them out), if not all.
 */
export function createHeatmap({ values, rows, cols, name, at, maxWidth = 320, maxHeight = 320, label = "", count = null }) {
  const figure = document.createElement("figure");
  figure.className = "heatmap";
  const wrap = figure.appendChild(document.createElement("div"));
  wrap.className = "heatmap-wrap";
  const canvas = wrap.appendChild(document.createElement("canvas"));
  canvas.className = "pixelated";
  canvas.tabIndex = 0;
  const cursorBox = wrap.appendChild(document.createElement("div"));
  cursorBox.className = "heatmap-cursor";
  cursorBox.hidden = true;
  const readout = figure.appendChild(document.createElement("output"));
  readout.className = "readout num";
  readout.setAttribute("aria-live", "polite");
  readout.id = `heatmap-readout-${++made}`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-roledescription", "heat map");
  canvas.setAttribute("aria-describedby", readout.id);

  // Square cells where they fit; a long matrix is squeezed along its long side instead.
  let cellW = Math.min(MAX_CELL, maxWidth / cols);
  let cellH = Math.min(MAX_CELL, maxHeight / rows);
  const square = Math.min(cellW, cellH);
  if (cols * square >= 100 && rows * square >= 8) cellW = cellH = square;
  canvas.style.width = `${cols * cellW}px`;
  canvas.style.height = `${rows * cellH}px`;

  const cursor = { r: 0, c: 0 };
  let hint = "";
  let showing = false; // is a cell's value in the readout (pointer or keyboard)?

  function setValues(next) {
    values = next;
    let low = Infinity;
    let high = -Infinity;
    for (const v of values) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    const peak = Math.max(Math.abs(low), Math.abs(high));
    paintValues(canvas, values, rows, cols, peak > 0 ? 1 / peak : 0);
    const n = count ?? values.length;
    canvas.setAttribute("aria-label", `${label || name}: ${n} values from ${formatNumber(low)} ` +
      `to ${formatNumber(high)}. Use the arrow keys to read them one by one.`);
    hint = `${n.toLocaleString("en")} values, largest magnitude ${formatNumber(peak)}: point at a cell or use the arrow keys.`;
  }

  function show(r, c, announce) {
    const flat = r * cols + c;
    showing = true;
    cursorBox.hidden = false;
    cursorBox.style.left = `${c * cellW}px`;
    cursorBox.style.top = `${r * cellH}px`;
    cursorBox.style.width = `${Math.max(cellW, 3)}px`;
    cursorBox.style.height = `${Math.max(cellH, 3)}px`;
    readout.textContent = `${name}${at(flat)} = ${formatNumber(values[flat])}`;
    readout.dataset.index = String(flat);
    readout.setAttribute("aria-live", announce ? "polite" : "off");
  }

  function hide() {
    showing = false;
    cursorBox.hidden = true;
    readout.textContent = hint;
  }

  setValues(values);
  readout.textContent = hint;

  canvas.addEventListener("pointermove", (event) => {
    const rect = canvas.getBoundingClientRect();
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((event.clientX - rect.left) / rect.width) * cols)));
    const r = Math.min(rows - 1, Math.max(0, Math.floor(((event.clientY - rect.top) / rect.height) * rows)));
    show(r, c, false);
  });
  canvas.addEventListener("pointerleave", () => {
    if (document.activeElement === canvas) show(cursor.r, cursor.c, false);
    else hide();
  });
  canvas.addEventListener("focus", () => show(cursor.r, cursor.c, true));
  canvas.addEventListener("blur", hide);
  const MOVES = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
  canvas.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const step = event.shiftKey ? 10 : 1;
    if (event.key in MOVES) {
      const [dr, dc] = MOVES[event.key];
      cursor.r = Math.min(rows - 1, Math.max(0, cursor.r + dr * step));
      cursor.c = Math.min(cols - 1, Math.max(0, cursor.c + dc * step));
    } else if (event.key === "Home") cursor.c = 0;
    else if (event.key === "End") cursor.c = cols - 1;
    else return;
    event.preventDefault();
    show(cursor.r, cursor.c, true);
  });
  return {
    element: figure,
    update(next) {
      setValues(next);
      if (!showing) readout.textContent = hint;
      else {
        const flat = Number(readout.dataset.index);
        show(Math.floor(flat / cols), flat % cols, false); // the same cell's new value, not announced
      }
    },
  };
}
