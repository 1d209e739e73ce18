// "Teach it my handwriting": the learner says which digit a drawing is and adds it to a personal
// set kept in the browser (my-digits-store.js); the set is shown, cleared, saved to and loaded from
// a file (checked by Python, like a model file), and the current model is fine-tuned on it through
// the run controller (a running loop stops first; the result becomes the current model).

import { drawGray } from "../widgets/images.js";
import { saveFile } from "../widgets/save-file.js";
import { openMyDigitsStore } from "./my-digits-store.js";

const $ = (id) => document.getElementById(id);
const SIDE = 28;
const MAX_FILE_BYTES = 2 * 1024 * 1024; // 500 digits compress to far less
const FINE_TUNE_BUDGET_MS = 80; // one piece of fine-tuning; a drawing is read between pieces
const percent = (x) => `${(100 * x).toFixed(1)}%`;

// A stored record the panel can use: a digit label and 28x28 bytes.
const wellFormed = (r) => r && Number.isInteger(r.label) && r.label >= 0 && r.label <= 9 &&
  r.pixels instanceof Uint8Array && r.pixels.length === SIDE * SIDE;

const sameDigit = (a, b) => a.label === b.label && a.pixels.every((v, i) => v === b.pixels[i]);

/** Wire the panel. client: the worker client; controller: the run controller; ink(): the drawing
 * on the pad or null; report(err) for failed calls; plain(err) for their words; replaced(): the
 * fine-tuned model has replaced the current one. */
export function createMyDigits(client, controller, { ink, report, plain, replaced }) {
  const list = $("my-digits");
  const note = $("my-digits-note");
  const result = $("fine-tune-result");
  const select = $("correct-label");
  let digits = []; // [{id, label, pixels}], as stored
  let chosen = false; // has the learner picked a label for the drawing on the pad?
  let busy = false;
  const storing = openMyDigitsStore().catch(() => null);

  function say(text) {
    note.textContent = text;
  }

  function render() {
    list.replaceChildren(...digits.map((digit) => {
      const item = document.createElement("figure");
      item.className = "my-digit";
      item.setAttribute("role", "listitem");
      const canvas = document.createElement("canvas");
      canvas.className = "pixelated";
      drawGray(canvas, digit.pixels, SIDE, 255);
      const caption = document.createElement("figcaption");
      caption.textContent = String(digit.label);
      item.setAttribute("aria-label", `a ${digit.label}`);
      item.append(canvas, caption);
      return item;
    }));
    list.dataset.count = String(digits.length);
    $("fine-tune").disabled = busy || digits.length === 0;
    $("export-my-digits").disabled = digits.length === 0;
    $("clear-my-digits").disabled = busy || digits.length === 0;
    $("add-to-my-digits").disabled = busy;
  }

  async function reload() {
    const store = await storing;
    if (!store) throw new Error("your digits cannot be kept in this browser");
    digits = (await store.all()).filter(wellFormed);
    render();
    return store;
  }

  // Digits added to the set, but none that is already in it (loading the same file twice adds nothing).
  async function addDigits(records) {
    const store = await storing;
    const fresh = records.filter((r) => !digits.some((d) => sameDigit(d, r)));
    await store.add(fresh);
    await reload();
    return fresh.length;
  }

  async function add() {
    const drawing = ink();
    if (!drawing) return say("Draw a digit first, then choose what it is and add it.");
    try {
      const reading = await client.classify({ width: drawing.width, height: drawing.height }, drawing.pixels.slice());
      if (reading.empty) return say(reading.message);
      const pixels = Uint8Array.from(reading.image, (v) => Math.round(255 * Math.min(Math.max(v, 0), 1)));
      const label = Number(select.value);
      const added = await addDigits([{ label, pixels }]);
      say(added ? `Added as a ${label}. You have ${digits.length} digit${digits.length === 1 ? "" : "s"}.` :
        "That drawing is already in your digits.");
    } catch (err) {
      say(`Could not add the drawing: ${plain(err)}`);
      report(err);
    }
  }

  async function clear() {
    try {
      await (await storing).clear();
      await reload();
      say("Your digits were cleared.");
    } catch (err) {
      say(`Could not clear your digits: ${plain(err)}`);
    }
  }

  const pixelsOf = (set) => {
    const all = new Uint8Array(set.length * SIDE * SIDE);
    set.forEach((d, i) => {
      all.set(d.pixels, i * SIDE * SIDE);
    });
    return all;
  };

  async function save() {
    try {
      const bytes = await client.myDigitsFile({ labels: digits.map((d) => d.label) }, pixelsOf(digits));
      saveFile(bytes, "my-digits.npz");
    } catch (err) {
      report(err);
    }
  }

  async function load(event) {
    const file = event.target.files[0];
    event.target.value = ""; // choosing the same file again still fires "change"
    if (!file) return;
    const refuse = (reason) => say(`Could not load "${file.name}": ${reason} Your digits are kept as they were.`);
    if (file.size > MAX_FILE_BYTES) return refuse(`it is ${(file.size / 1048576).toFixed(1)} MB; a file of digits is at most 2 MB.`);
    try {
      const reply = await client.readMyDigits({}, new Uint8Array(await file.arrayBuffer()));
      if (!reply.ok) return refuse(`${String(reply.error).replace(/[.\s]*$/, "")}.`);
      const records = reply.labels.map((label, i) => ({ label, pixels: reply.images.slice(i * SIDE * SIDE, (i + 1) * SIDE * SIDE) }));
      const added = await addDigits(records);
      say(`Loaded ${records.length} digit${records.length === 1 ? "" : "s"} from "${file.name}"` +
        (added < records.length ? ` (${records.length - added} already in your set).` : "."));
    } catch (err) {
      refuse(plain(err));
    }
  }

  function showResult(r) {
    for (const key of ["mine-before", "mine-after", "test-after"]) {
      result.dataset[key.replace(/-(.)/g, (_, c) => c.toUpperCase())] = String(r[key.replaceAll("-", "_")]);
    }
    const right = (x) => Math.round(x * r.count);
    const test = r.test_before == null ? `${percent(r.test_after)} after` : `${percent(r.test_before)} before, ${percent(r.test_after)} after`;
    result.textContent = `Fine-tuned on your ${r.count} digit${r.count === 1 ? "" : "s"}: it reads ${right(r.mine_before)} of them ` +
      `correctly before and ${right(r.mine_after)} after. On the 10,000 MNIST test digits: ${test}. The fine-tuned model is now ` +
      "the current model; \"Use pretrained model\" goes back to the shipped one.";
  }

  async function fineTune() {
    busy = true;
    render();
    result.textContent = "Fine-tuning…";
    for (const key of ["mineBefore", "mineAfter", "testAfter"]) delete result.dataset[key]; // no stale result
    try {
      let outcome = null;
      const reply = await controller.replaceWith(async () => {
        const started = await client.fineTuneStart({ labels: digits.map((d) => d.label) }, pixelsOf(digits));
        if (!started.ok) return started;
        for (;;) {
          const step = await client.fineTuneContinue({ budget_ms: FINE_TUNE_BUDGET_MS });
          if (step.done && step.error) return { ...(await client.fineTuneFinish()), error: step.error };
          if (step.done) {
            outcome = step;
            return client.fineTuneFinish();
          }
          result.textContent = `Fine-tuning… step ${step.step} of ${step.steps}`;
        }
      });
      if (reply.ok === false) result.textContent = `Fine-tuning did not happen: ${reply.error}`;
      else {
        showResult(outcome);
        replaced();
      }
    } catch (err) {
      result.textContent = `Fine-tuning failed: ${plain(err)}`;
      report(err);
    } finally {
      busy = false;
      render();
    }
  }

  // The label follows the prediction until the learner picks one for this drawing.
  new MutationObserver(() => {
    const digit = $("prediction").dataset.digit;
    if (!chosen && digit !== "") select.value = digit;
  }).observe($("prediction"), { attributes: true, attributeFilter: ["data-digit"] });
  select.addEventListener("change", () => {
    chosen = true;
  });
  $("add-to-my-digits").addEventListener("click", add);
  $("clear-my-digits").addEventListener("click", clear);
  $("export-my-digits").addEventListener("click", save);
  $("import-my-digits").addEventListener("click", () => $("import-my-digits-file").click());
  $("import-my-digits-file").addEventListener("change", load);
  $("fine-tune").addEventListener("click", fineTune);
  reload().then((store) => {
    if (!store.persistent) say("This browser does not let the page keep data: your digits last until you close the page.");
  }).catch((err) => say(`Your digits cannot be kept: ${plain(err)}`));

  return {
    /** A new drawing on the pad: the label follows its prediction again. */
    inkChanged() {
      chosen = false;
    },
  };
}
