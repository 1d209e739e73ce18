// Preprocessing, stage by stage: how a drawing becomes what the network receives, as MNIST was
// made. The raw ink with its bounding box; the crop scaled so its longer side is 20 px; that
// placed in 28x28 by its centre of mass (with the shift from merely centring the box); and the
// standardised input, a heat map whose values can be read. The numbers are Python's
// (classify's "stages"); this module only draws them.
// [data-testid=preprocess-stages] carries data-bbox, data-scaled and data-shift.

import { createHeatmap } from "../widgets/heatmap.js";

const SHOWN = 112; // CSS pixels per stage picture
const FRAME_COLOUR = "#f59e0b";

function stage(title, body, picture) {
  const figure = document.createElement("figure");
  figure.className = "stage";
  figure.append(picture);
  const caption = figure.appendChild(document.createElement("figcaption"));
  const strong = caption.appendChild(document.createElement("strong"));
  strong.textContent = title;
  caption.append(document.createElement("br"), body);
  return figure;
}

// The pad's ink (alpha, 255 = ink) with its bounding box drawn over it.
function rawInk(ink, [top, left, height, width]) {
  const canvas = document.createElement("canvas");
  canvas.width = ink.width;
  canvas.height = ink.height;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(ink.width, ink.height);
  for (let i = 0; i < ink.pixels.length; i++) {
    const v = 255 - ink.pixels[i];
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
  ctx.strokeStyle = FRAME_COLOUR;
  ctx.lineWidth = Math.max(2, ink.width / 100);
  ctx.strokeRect(left, top, width, height);
  canvas.style.width = `${SHOWN}px`;
  canvas.setAttribute("aria-label", `Your drawing with its bounding box, ${height} by ${width} pixels`);
  return canvas;
}

// A small gray image (values in [0, 1], 1 = ink), enlarged with crisp pixels; draw(ctx, k) may
// add marks at k canvas pixels per image pixel.
function enlarged(values, rows, cols, label, draw = () => {}) {
  const small = document.createElement("canvas");
  small.width = cols;
  small.height = rows;
  const image = small.getContext("2d").createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = Math.round(255 * (1 - Math.min(1, Math.max(0, values[i]))));
    image.data.set([v, v, v, 255], 4 * i);
  }
  small.getContext("2d").putImageData(image, 0, 0);
  const k = 4;
  const canvas = document.createElement("canvas");
  canvas.width = cols * k;
  canvas.height = rows * k;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, cols * k, rows * k);
  draw(ctx, k);
  canvas.style.width = `${(SHOWN * cols) / 28}px`;
  canvas.setAttribute("aria-label", label);
  return canvas;
}

/** Returns show(result, ink): classify()'s answer and the drawing it read (or nothing drawn). */
export function createStagesView(container) {
  return (result, ink) => {
    if (!result || result.empty || !result.stages) {
      container.replaceChildren(Object.assign(document.createElement("p"), {
        className: "muted small", textContent: "Draw a digit to see each stage.",
      }));
      for (const key of ["bbox", "scaled", "shift"]) delete container.dataset[key];
      return;
    }
    const s = result.stages;
    const [, , height, width] = s.bbox;
    const [sh, sw] = s.scaled.shape;
    const [dy, dx] = s.shift;
    const [cy, cx] = s.center_of_mass;
    const [py, px] = s.placed_at;
    const [by, bx] = s.box_centered_at;
    const placed = enlarged(result.image, 28, 28, `Placed in 28 by 28, shifted ${dy} down and ${dx} right`, (ctx, k) => {
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = "#94a3b8";
      ctx.strokeRect(bx * k, by * k, sw * k, sh * k); // where centring the box would have put it
      ctx.setLineDash([]);
      ctx.strokeStyle = FRAME_COLOUR;
      ctx.lineWidth = 2;
      const [my, mx] = [(py + cy + 0.5) * k, (px + cx + 0.5) * k];
      ctx.beginPath();
      ctx.moveTo(mx - 6, my);
      ctx.lineTo(mx + 6, my);
      ctx.moveTo(mx, my - 6);
      ctx.lineTo(mx, my + 6);
      ctx.stroke();
    });
    const standardized = createHeatmap({
      values: s.standardized, rows: 28, cols: 28, name: "x", maxWidth: SHOWN, maxHeight: SHOWN,
      at: (flat) => `[row ${Math.floor(flat / 28)}, column ${flat % 28}]`, label: "The standardised input x, 28 by 28",
    }).element;
    const direction = (n, plus, minus) => (n === 0 ? "" : `${Math.abs(n)} px ${n > 0 ? plus : minus}`);
    const shift = [direction(dy, "down", "up"), direction(dx, "right", "left")].filter(Boolean).join(" and ") || "not at all";
    container.replaceChildren(
      stage("1. Your ink", `its box: ${height} × ${width} px`, rawInk(ink, s.bbox)),
      stage("2. Scaled", `longer side 20 px: ${sh} × ${sw}`, enlarged(s.scaled, sh, sw, `The ink scaled to ${sh} by ${sw} pixels`)),
      stage("3. Centred by mass", `+ on the centre of mass; moved ${shift} from centring the box (dashed)`, placed),
      stage("4. Standardised", "x = (pixel − μ) / σ: what the network receives", standardized),
    );
    container.dataset.bbox = s.bbox.join(",");
    container.dataset.scaled = `${sh}x${sw}`;
    container.dataset.shift = `${dy},${dx}`;
  };
}
