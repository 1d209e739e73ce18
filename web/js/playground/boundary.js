// The decision-boundary canvas: a heat map of the probability of class 1 over the square, the
// training points (filled) and test points (hollow) over it, and points the learner places with a
// mouse, pen or finger (a drag places a trail; the page never scrolls under it) or the keyboard
// (arrow keys move a cross, Enter or Space places a point). It knows no network: it draws the
// grids and points it is given, and hands placed points to onPlace.

import { CLASS_CSS, paintGrid, signedColour } from "./colours.js";

const SPACING = 0.45; // distance, in the square's units, between the points a drag places
const KEY_STEP = 0.5; // how far an arrow key moves the cross (Shift: a tenth of it)
const HEAT_STRENGTH = 0.62; // the heat map stays pale enough for the points to stand out

/** Frames per second over the last second: tick() at each frame, reset() when a run of frames starts. */
export function createRateMeter(windowMs = 1000) {
  let times = [];
  return {
    tick() {
      const now = performance.now();
      times.push(now);
      while (now - times[0] > windowMs) times.shift();
      return times.length > 1 ? ((times.length - 1) * 1000) / (now - times[0]) : 0;
    },
    reset() {
      times = [];
    },
  };
}

/**
 * Attach the boundary view to `canvas`. onPlace([[x1, x2, class], ...]) receives placed points;
 * placeClass() says which class a new point gets; announce(text) speaks keyboard placements.
 */
export function createBoundary(canvas, { onPlace, placeClass, announce }) {
  const ctx = canvas.getContext("2d");
  const heat = document.createElement("canvas"); // the grid at its own resolution, scaled up smoothly
  heat.width = heat.height = 1;
  let domain = 6;
  let points = null; // {train, train_labels, test, test_labels, placed}
  let pending = []; // placed by the stroke under way
  const sent = new Set(); // batches handed to onPlace whose answer has not come back
  let showTest = true;
  let drag = null; // {pointer, last: [x1, x2]}
  let cross = null; // the keyboard's position, while the canvas has focus

  const px = (x1) => ((x1 / domain + 1) / 2) * canvas.width;
  const py = (x2) => ((1 - x2 / domain) / 2) * canvas.height;

  // Class 0 is a circle, class 1 a square: the classes differ by shape as well as colour.
  function mark(x1, x2, label, kind) {
    const x = px(x1);
    const y = py(x2);
    const r = kind === "placed" ? 5.5 : 4.5;
    ctx.beginPath();
    if (label === 0) ctx.arc(x, y, r, 0, 2 * Math.PI);
    else ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
    ctx.fillStyle = kind === "test" ? "#ffffff" : CLASS_CSS[label];
    ctx.fill();
    ctx.lineWidth = kind === "train" ? 1 : 2;
    ctx.strokeStyle = kind === "test" ? CLASS_CSS[label] : kind === "placed" ? "#111827" : "#ffffff";
    ctx.stroke();
  }

  function drawCross() {
    const x = px(cross[0]);
    const y = py(cross[1]);
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#111827";
    ctx.beginPath();
    ctx.moveTo(x - 10, y);
    ctx.lineTo(x + 10, y);
    ctx.moveTo(x, y - 10);
    ctx.lineTo(x, y + 10);
    ctx.stroke();
  }

  function draw() {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
    if (points) {
      const { train, train_labels: trainLabels, test, test_labels: testLabels, placed } = points;
      const drawn = trainLabels.length - placed;
      if (showTest) for (let i = 0; i < testLabels.length; i++) mark(test[2 * i], test[2 * i + 1], testLabels[i], "test");
      for (let i = 0; i < trainLabels.length; i++) mark(train[2 * i], train[2 * i + 1], trainLabels[i], i < drawn ? "train" : "placed");
    }
    for (const batch of [...sent, pending]) for (const [x1, x2, label] of batch) mark(x1, x2, label, "placed");
    if (cross) drawCross();
  }

  // Where a pointer is, in the square's coordinates (clamped to it).
  function toDomain(event) {
    const rect = canvas.getBoundingClientRect();
    const clamp = (v) => Math.max(-domain, Math.min(domain, v));
    return [clamp((((event.clientX - rect.left) / rect.width) * 2 - 1) * domain),
      clamp((1 - ((event.clientY - rect.top) / rect.height) * 2) * domain)];
  }

  function add(at) {
    pending.push([Number(at[0].toFixed(3)), Number(at[1].toFixed(3)), placeClass()]);
    draw();
  }

  // The stroke's points go to onPlace; they are drawn until its promise settles (by then the
  // points Python holds include them, or it refused them).
  function flush() {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    sent.add(batch);
    Promise.resolve(onPlace(batch.map((p) => [...p]))).finally(() => {
      sent.delete(batch);
      draw();
    });
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (drag || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drag = { pointer: event.pointerId, last: toDomain(event) };
    add(drag.last);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    event.preventDefault();
    const at = toDomain(event);
    if (Math.hypot(at[0] - drag.last[0], at[1] - drag.last[1]) >= SPACING) {
      drag.last = at;
      add(at);
    }
  });
  const end = (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    drag = null;
    flush();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("contextmenu", (event) => event.preventDefault()); // a long press places, no menu
  canvas.addEventListener("focus", () => {
    cross = cross || [0, 0];
    draw();
  });
  canvas.addEventListener("blur", () => {
    cross = null;
    draw();
  });
  canvas.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? KEY_STEP / 10 : KEY_STEP;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (event.key in moves) {
      event.preventDefault();
      cross = cross || [0, 0];
      cross = cross.map((v, i) => Math.max(-domain, Math.min(domain, v + moves[event.key][i])));
      draw();
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      cross = cross || [0, 0];
      add(cross);
      flush();
      announce(`Placed a class ${placeClass()} point at ${cross[0].toFixed(1)}, ${cross[1].toFixed(1)}.`);
    }
  });

  return {
    /** The probability of class 1 on a grid (a Float32Array with shape [rows, cols]), top row first. */
    setGrid(grid) {
      const [rows, cols] = grid.shape;
      paintGrid(heat, grid, rows, cols, (p) => signedColour(2 * p - 1, HEAT_STRENGTH));
      draw();
    },
    /** The points Python holds (placed ones last among the training points). */
    setPoints(next) {
      points = next;
      domain = next.domain;
      draw();
    },
    /** Show or hide the test points. */
    showTest(show) {
      showTest = show;
      draw();
    },
  };
}
