// The drawing panel: the pad, the prediction, the image the network sees and the hidden layers'
// activations. A drawing is read when the stroke ends, and read again whenever the model changes
// or learns (the newest answer wins); each answer carries the id of the model that gave it.

import { createDrawpad } from "./pad.js";
import { createPredictionView } from "./prediction-view.js";
import { createStagesView } from "./preprocess-view.js";
import { noteIfStopped } from "../code/stopped-note.js";

const $ = (id) => document.getElementById(id);

/** client: the worker client; report(err) for a failed call; outbox: messages and announcements;
 * onInk(): the learner drew (a new drawing, not a re-read). */
export function createDrawPanel(client, { report, outbox, plain, onInk = () => {} }) {
  let ink = null; // the last drawing, re-read when the model changes
  let seq = 0;
  let ready = false;
  const show = createPredictionView({
    output: $("prediction"), note: $("prediction-note"), seen: $("seen"), probs: $("probs"), hidden: $("hidden-layers"),
    softmax: $("softmax-note"),
  });
  const showStages = createStagesView($("preprocess-stages"));

  async function read() {
    if (!ink || !ready) return; // read once loading ends
    const mine = ++seq;
    const drawing = ink;
    // The pixels are handed over to the worker, so keep a copy for reading again later.
    ink = { ...drawing, pixels: drawing.pixels.slice(), drawn: false };
    $("prediction").dataset.pending = "true";
    try {
      const result = await client.classify({ width: drawing.width, height: drawing.height }, drawing.pixels);
      if (mine !== seq) return;
      show(result);
      showStages(result, ink);
      $("prediction").dataset.modelId = String(result.model_id);
      outbox.prediction(result, drawing.drawn);
    } catch (err) {
      if (mine === seq) show({ empty: true, message: `Could not read the drawing: ${plain(err)}` });
      noteIfStopped(err, $("probs"), "draw");
      report(err);
    } finally {
      if (mine === seq) $("prediction").dataset.pending = "false";
    }
  }

  const pad = createDrawpad(document.querySelector("[data-testid=draw-canvas]"), {
    onStroke: (drawing) => {
      ink = { ...drawing, drawn: true }; // a new drawing, not a re-read for a changed model
      read();
      onInk();
    },
  });
  $("clear").addEventListener("click", () => {
    pad.clear();
    show(null);
    showStages(null);
    // The empty pad still goes to Python, which says in its own words that there is nothing to read.
    ink = pad.readInk();
    read();
  });
  show(null);

  return {
    /** Python is ready: drawings can be read from now on. */
    start() {
      ready = true;
      read();
    },
    /** Read the drawing again (the model changed or learned). */
    reread: read,
    /** The drawing on the pad, or null when it is empty. */
    ink: () => (pad.isEmpty() ? null : ink),
  };
}
