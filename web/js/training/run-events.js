// What the page does with a training answer's events: the charts and the model line follow the
// progress, an epoch saves the run so far (when the learner's code is in use) and tells the host,
// divergence, a stop in the learner's code and the end of the run are shown, and while training the
// weights and the drawn digit are re-read every few seconds.

import { EVENT } from "./events.js";

const LIVE_REFRESH_MS = 3000; // how often weights and the drawn digit are re-read while training

/**
 * parts: { client, progress, modelView, drawPanel, codePanel, outbox, settings() (the settings
 * panel's current()), course() (the course hooks, once made), inspector() (the inspect panel, once
 * made), weightsChanged(), notify, clearNotice, report }.
 * Returns { onEvents(events), chunkStarted() } (call chunkStarted when a chunk of training starts).
 */
export function createRunEvents(parts) {
  const { client, progress, modelView, drawPanel, codePanel, outbox } = parts;
  let epochSeconds = 0; // training time in this epoch so far, for the model line's speed
  let chunkStarted = 0;
  let lastLiveRefresh = 0;

  function onEvent(event) {
    if (event.type === EVENT.started) {
      parts.clearNotice();
      progress.reset({ clearCharts: true });
      epochSeconds = 0;
    } else if (event.type === EVENT.epoch) {
      progress.epoch(event);
      if (codePanel.inUse()) client.saveCheckpoint().catch(parts.report); // the run so far, should the code hang
      if (event.evaluated) {
        modelView.epoch(event, epochSeconds);
        epochSeconds = 0;
        outbox.epoch(event);
      }
      parts.weightsChanged();
    } else if (event.type === EVENT.diverged) {
      // The explanation is the coach's, beside the charts (course/hooks.js).
      modelView.refreshWeights();
      parts.weightsChanged();
      outbox.trainingDone("diverged", modelView.current());
    } else if (event.type === EVENT.codeError) {
      parts.notify(`Training paused: your code stopped with ${event.message}${event.line ? ` (line ${event.line})` : ""}. ` +
        "Fix it and train again, or go back to the reference.");
    } else if (event.type === EVENT.finished) {
      progress.finished();
      outbox.trainingDone("finished", modelView.current());
    }
  }

  function onEvents(events) {
    const now = performance.now();
    epochSeconds += (now - chunkStarted) / 1000;
    chunkStarted = now;
    const chunk = events.filter((e) => e.type === EVENT.progress);
    if (chunk.length) {
      progress.chunk(chunk, parts.settings().config.batch_size);
      modelView.progress(chunk[chunk.length - 1]); // batches per epoch, for the model line
    }
    events.forEach(onEvent);
    parts.course()?.onEvents(events);
    if (now - lastLiveRefresh > LIVE_REFRESH_MS) {
      lastLiveRefresh = now;
      modelView.refreshWeights();
      drawPanel.reread();
      parts.inspector()?.refreshIfSeen();
    }
  }

  return {
    onEvents,
    chunkStarted: () => {
      chunkStarted = performance.now();
    },
  };
}
