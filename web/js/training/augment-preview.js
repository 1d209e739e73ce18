// What augmentation does to the training images: a few digits of the run's next batch, each as
// it is and as the augment setting changes it (bridge.augment_examples). Shown while the setting
// is on; drawn again when the setting changes, or on "Other examples" (new random variants).

import { drawGray } from "../widgets/images.js";

const COUNT = 6;

/** client: the worker client; container: the preview's element; report(err) for failures. */
export function createAugmentPreview(client, container, report) {
  const strip = container.querySelector(".augment-strip");
  let wanted = "none"; // the setting's text to show
  let drawn = null; // the text last drawn
  let busy = false;

  function figure(pixels, label) {
    const canvas = document.createElement("canvas");
    canvas.className = "pixelated";
    drawGray(canvas, pixels, 28, 255);
    canvas.setAttribute("aria-label", label);
    return canvas;
  }

  async function draw() {
    if (busy) return;
    busy = true;
    try {
      while (drawn !== wanted) {
        const text = wanted;
        drawn = text;
        if (text === "none") continue;
        const { original, augmented } = await client.augmentExamples({ augment: text, count: COUNT });
        if (text !== wanted) continue; // the setting changed meanwhile: draw that instead
        const [count, size] = original.shape;
        const pairs = [];
        for (let i = 0; i < count; i++) {
          const pair = document.createElement("figure");
          pair.className = "augment-pair";
          const one = (images) => images.subarray(i * size * size, (i + 1) * size * size);
          pair.append(figure(one(original), `Training image ${i + 1} as it is`),
            figure(one(augmented), `Training image ${i + 1} with ${text}`));
          pairs.push(pair);
        }
        strip.replaceChildren(...pairs);
        container.dataset.augment = text;
        container.dataset.count = String(count);
      }
    } catch (err) {
      drawn = null;
      report(err);
    } finally {
      busy = false;
    }
  }

  container.querySelector("button").addEventListener("click", () => {
    drawn = null;
    draw();
  });

  return {
    /** The augment setting as it is now (a valid text): the preview follows it. */
    show(text) {
      wanted = text || "none";
      container.hidden = wanted === "none";
      draw();
    },
  };
}
