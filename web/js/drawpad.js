// A drawing pad for mouse, pen and touch (Pointer Events). It knows nothing of digits or
// networks: when a stroke ends it hands over the ink as a grayscale Uint8Array (255 = ink,
// row-major) with its width and height.

const INK = "#111827";

/** Attach a drawing pad to a canvas; onStroke({pixels, width, height}) runs after each stroke. */
export function createDrawpad(canvas, { onStroke, lineWidth = 22 } = {}) {
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let activePointer = null;
  let last = null;
  let hasInk = false;

  // Pointer coordinates are in CSS pixels; the canvas keeps a fixed internal resolution.
  function toCanvas(event) {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * canvas.width) / rect.width,
      y: ((event.clientY - rect.top) * canvas.height) / rect.height,
    };
  }

  function segment(from, to) {
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = lineWidth;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (from.x === to.x && from.y === to.y) {
      ctx.beginPath();
      ctx.arc(to.x, to.y, lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    }
    hasInk = true;
  }

  function down(event) {
    if (activePointer !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    activePointer = event.pointerId;
    canvas.setPointerCapture(event.pointerId);
    last = toCanvas(event);
    segment(last, last);
  }

  function move(event) {
    if (event.pointerId !== activePointer) return;
    event.preventDefault();
    // Coalesced events keep fast strokes smooth where the browser batches pointer moves.
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) {
      const point = toCanvas(e);
      segment(last, point);
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
    },
    /** True when nothing has been drawn since the last clear. */
    isEmpty: () => !hasInk,
    /** The current ink, as handed to onStroke. */
    readInk,
  };
}
