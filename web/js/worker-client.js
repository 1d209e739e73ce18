// The one module that owns the Web Worker. It wraps the worker with Comlink and offers one
// method per bridge function, taking and returning plain data. If the worker dies, every
// pending and later call fails with a plain-words error instead of hanging.

import * as Comlink from "../vendor/comlink/comlink.mjs";

/** Start the worker; returns the client. `onStep(step)` receives loading progress. */
export function createWorkerClient() {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "scratchnet" });
  const remote = Comlink.wrap(worker);
  let failWith;
  const died = new Promise((_, reject) => {
    failWith = reject;
  });
  died.catch(() => {}); // observed through each call below
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    failWith(new Error(
      "The background worker that runs Python stopped" +
        (event.message ? ` (${event.message})` : " or could not be started") + ".",
    ));
  });

  // Every request gets exactly one answer: the worker's reply, or the reason it died.
  const call = (name, ...args) => Promise.race([remote.call(name, ...args), died]);
  const transferBytes = (bytes) => Comlink.transfer(bytes, [bytes.buffer]);

  return {
    /** Boot Pyodide, NumPy and the bridge; resolves to init()'s result plus {build, seconds}. */
    boot: (onStep) => Promise.race([remote.boot(location.href, Comlink.proxy(onStep)), died]),
    /** Check a config on the Python side: {ok, config} or {ok: false, errors}. */
    validate: (config) => call("validate", JSON.stringify(config)),
    /** Start a fresh, untrained model and trainer with this config. */
    newTraining: (config) => call("new_training", JSON.stringify(config)),
    /** Train for about budgetMs; resolves to {events, finished}. */
    train: (budgetMs) => call("train", budgetMs),
    /** Test-set accuracy, loss and confusion matrix of the current model. */
    evaluate: () => call("evaluate"),
    /** Up to n misclassified test digits. */
    mistakes: (n) => call("mistakes", n),
    /** Classify grayscale ink (Uint8Array, 255 = ink); the array is handed over to the worker. */
    classify: ({ pixels, width, height }) => call("classify", transferBytes(pixels), width, height),
    /** The first layer's weights as 28x28 images, for at most maxUnits units. */
    firstLayerWeights: (maxUnits) => call("first_layer_weights", maxUnits),
    /** Switch back to the pretrained model. */
    usePretrained: () => call("use_pretrained"),
    /** Fresh untrained weights with the same config. */
    reset: () => call("reset"),
    /** The current model as .npz bytes (Uint8Array). */
    exportModel: () => call("export_model"),
    /** Load a model from .npz bytes; {ok, error?, model}. */
    importModel: (bytes) => call("import_model", transferBytes(bytes)),
  };
}
