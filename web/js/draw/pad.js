// A drawing pad for mouse, pen, touch (Pointer Events) and keyboard. It knows nothing of digits
// or networks: when a stroke ends it hands over the ink as a grayscale Uint8Array (255 = ink,
// row-major) with its width and height. From the keyboard, the arrow keys move a pen (Shift for
// small steps) and Space or Enter puts it down or lifts it; lifting it ends the stroke.
// The pen's width follows the drawing's size (a share of its longer side, up to `lineWidth`),
// so a small digit, once scaled up to MNIST's 20 px box, has strokes as thin as a large one's
// instead of becoming a blob; the strokes are kept as points and redrawn when the width changes.

const INK = "#111827";
const PEN_SHARE = 0.13; // pen width / the drawing's longer side: MNIST's strokes, about 2.5 of 20 px
const THINNEST = 3; // px: the pen never gets thinner than this

/** Attach a drawing pad to a canvas; onStroke({pixels, width, height}) runs after each stroke. */
export function createDrawpad(canvas, { onStroke, lineWidth = 22 } = {}) {
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let activePointer = null;
  let last = null;
  let hasInk = false;
  let strokes = []; // each a list of points {x, y} in canvas pixels
  let width = lineWidth; // the pen's width for the drawing so far

  // Pointer coordinates are in CSS pixels; the canvas keeps a fixed internal resolution.
  function toCanvas(event) {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * canvas.width) / rect.width,
      y: ((event.clientY - rect.top) * canvas.height) / rect.height,
    };
  }

  // The pen width for the strokes' extent: a share of their longer side.
  function penWidth() {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const stroke of strokes) {
      for (const p of stroke) {
        x0 = Math.min(x0, p.x);
        y0 = Math.min(y0, p.y);
        x1 = Math.max(x1, p.x);
        y1 = Math.max(y1, p.y);
      }
    }
    return Math.min(lineWidth, Math.max(THINNEST, PEN_SHARE * Math.max(x1 - x0, y1 - y0, 0)));
  }

  function segment(from, to) {
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = width;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (from.x === to.x && from.y === to.y) {
      ctx.beginPath();
      ctx.arc(to.x, to.y, width / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    }
    hasInk = true;
  }

  // Every stroke again, at the current pen width.
  function redraw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (const stroke of strokes) {
      segment(stroke[0], stroke[0]);
      for (let i = 1; i < stroke.length; i++) segment(stroke[i - 1], stroke[i]);
    }
  }

  // Adds a point to the current stroke (a new stroke when `start`), drawing it.
  function addPoint(point, start) {
    if (start) strokes.push([point]);
    else strokes[strokes.length - 1].push(point);
    const wanted = penWidth();
    if (Math.abs(wanted - width) >= 0.5) {
      width = wanted;
      redraw();
    } else {
      const stroke = strokes[strokes.length - 1];
      segment(stroke.length > 1 ? stroke[stroke.length - 2] : point, point);
    }
  }

  function down(event) {
    if (activePointer !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    activePointer = event.pointerId;
    canvas.setPointerCapture(event.pointerId);
    last = toCanvas(event);
    addPoint(last, true);
  }

  function move(event) {
    if (event.pointerId !== activePointer) return;
    event.preventDefault();
    // Coalesced events keep fast strokes smooth where the browser batches pointer moves.
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) {
      const point = toCanvas(e);
      addPoint(point, false);
      last = point;
    }
  }

  function up(event) {
    if (event.pointerId !== activePointer) return;
    activePointer = null;
    last = null;
    if (onStroke) onStroke(readInk());
  }

  // Ink is read from the alpha channel, so the pad's colours never leak into the data.
  function readInk() {
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const pixels = new Uint8Array(canvas.width * canvas.height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = data[4 * i + 3];
    return { pixels, width: canvas.width, height: canvas.height };
  }

  // The keyboard pen: a marker over the canvas (never drawn into it, so it never becomes ink).
  const marker = document.createElement("span");
  marker.className = "pad-marker";
  marker.hidden = true;
  marker.setAttribute("aria-hidden", "true");
  canvas.after(marker);
  const pen = { x: canvas.width / 2, y: canvas.height / 2, down: false };

  function showMarker() {
    marker.hidden = false;
    marker.dataset.pen = pen.down ? "down" : "up";
    marker.style.left = `${canvas.offsetLeft + (pen.x * canvas.clientWidth) / canvas.width + canvas.clientLeft}px`;
    marker.style.top = `${canvas.offsetTop + (pen.y * canvas.clientHeight) / canvas.height + canvas.clientTop}px`;
  }

  function lift() {
    if (!pen.down) return;
    pen.down = false;
    if (onStroke) onStroke(readInk());
  }

  const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  function key(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key in MOVES) {
      const step = (event.shiftKey ? 1 / 56 : 1 / 14) * canvas.width;
      const [dx, dy] = MOVES[event.key];
      const to = {
        x: Math.min(canvas.width, Math.max(0, pen.x + dx * step)),
        y: Math.min(canvas.height, Math.max(0, pen.y + dy * step)),
      };
      pen.x = to.x;
      pen.y = to.y;
      if (pen.down) addPoint({ x: to.x, y: to.y }, false);
    } else if (event.key === " " || event.key === "Enter") {
      if (pen.down) lift();
      else {
        pen.down = true;
        addPoint({ x: pen.x, y: pen.y }, true);
      }
    } else if (event.key === "Escape" && pen.down) {
      lift();
    } else {
      return;
    }
    event.preventDefault();
    showMarker();
  }

  canvas.addEventListener("keydown", key);
  canvas.addEventListener("focus", () => canvas.matches(":focus-visible") && showMarker());
  canvas.addEventListener("blur", () => {
    lift();
    marker.hidden = true;
  });
  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);
  // Without this a long press on touch screens opens a menu mid-stroke.
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());

  return {
    /** Wipe the pad. */
    clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      hasInk = false;
      strokes = [];
      width = lineWidth;
    },
    /** True when nothing has been drawn since the last clear. */
    isEmpty: () => !hasInk,
    /** The current ink, as handed to onStroke. */
    readInk,
  };
}
