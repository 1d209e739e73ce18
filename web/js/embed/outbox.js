// What the app tells the world outside its own panels: the page that embeds it (messages posted
// through embed.js) and screen-reader users (short sentences in a polite live region). Plain data
// in; nothing here talks to the worker or draws anything.

const pct = (v) => `${(100 * v).toFixed(1)}%`;

// Returns say(text) for the live region `element`.
function createAnnouncer(element) {
  let timer = 0;
  return (text) => {
    // Emptied first and refilled a moment later, so the same sentence twice is still read twice.
    element.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(() => {
      element.textContent = text;
    }, 50);
  };
}

/** host: connectToHost()'s result; liveRegion: the element screen readers listen to. */
export function createOutbox(host, liveRegion) {
  const say = createAnnouncer(liveRegion);
  let said = ""; // the last prediction spoken, so re-reads during training speak only when it changes
  let run = {}; // the settings of the run the messages are about: {settings, seed}

  return {
    /** Any other message for the embedding page (e.g. "exerciseChecked"). */
    post(type, fields) {
      host.post(type, fields);
    },
    /** The app has loaded and can take drawings and training runs. */
    ready() {
      host.post("ready");
    },
    /** A classify() result; drawn is true for a new drawing, false for a re-read of the same ink. */
    prediction(result, drawn) {
      if (result.empty) {
        said = "";
        if (drawn) say(result.message);
        return;
      }
      host.post("prediction", { digit: result.digit, probabilities: result.probabilities });
      const text = `Prediction: ${result.digit}, ${pct(result.probabilities[result.digit])} sure.`;
      if (drawn || !said.startsWith(`Prediction: ${result.digit},`)) say(text);
      said = text;
    },
    /** The trainer's "epoch" event (numbers that overflowed arrive as null). */
    epoch(event) {
      host.post("epoch", {
        epoch: event.epoch, epochs: event.epochs, loss: event.train_loss, testLoss: event.test_loss,
        testAccuracy: event.test_accuracy, ...run,
      });
      const loss = event.train_loss == null ? "not a number" : event.train_loss.toPrecision(3);
      const accuracy = event.test_accuracy == null ? "unknown" : pct(event.test_accuracy);
      say(`Epoch ${event.epoch} of ${event.epochs} done: test accuracy ${accuracy}, training loss ${loss}.`);
    },
    /** A run ended ("finished" or "diverged"); model is the page's model summary. A pause is no end. */
    trainingDone(reason, model) {
      const accuracy = model.test_accuracy ?? null;
      host.post("trainingDone", { reason, epoch: model.epochs_trained, testAccuracy: accuracy, ...run });
      say(reason === "finished"
        ? `Training finished after ${model.epochs_trained} epochs${accuracy == null ? "" : `: test accuracy ${pct(accuracy)}`}.`
        : "Training stopped: the numbers overflowed. The coach beside the charts says why.");
    },
    /** The run the next epoch and trainingDone messages are about: its settings (seed included). */
    run(config) {
      run = { settings: structuredClone(config), seed: config.seed };
    },
    /** A lesson step is shown (0-based step of steps). */
    lessonStep(fields) {
      host.post("lessonStep", fields);
      say(`Lesson step ${fields.step + 1} of ${fields.steps}: ${fields.title}.`);
    },
    /** A lesson step's goal was reached. */
    goalReached(fields) {
      host.post("goalReached", fields);
      say(`Goal reached: ${fields.goal}`);
    },
    /** A host command that was not carried out, and why. */
    refused(command, reason) {
      host.post("commandRefused", { command, reason });
    },
  };
}
