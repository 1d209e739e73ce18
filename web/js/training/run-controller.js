// The run controller: the one place that decides what the worker does with the model. Every
// action that changes the model (train, step, reset, use the pretrained model, load a file) waits
// for the one before it, stops a running loop first, and reports the worker's own model summary,
// so the page never shows a model the worker does not have, whatever the order of the clicks.
// It knows nothing of the page: it takes a client and callbacks.
//
// States: "idle" (nothing running; a paused run may be resumed), "training", "stopping",
// "finished", "diverged".

import { EVENT } from "./events.js";

const TRAIN_BUDGET_MS = 80; // one chunk of training; Stop takes effect between chunks

/**
 * client: the worker client. Callbacks: onModel(summary) after every answer that carries the
 * model; onRun(run) after a training answer that carries only the run's position ({step,
 * finished, diverged}: nothing else in the summary changed); onEvents(events) with each chunk's training events; onState(state); onError(err);
 * callOptions() -> options for the training calls (a time limit while the learner's code runs);
 * trainChunk(budgetMs, options) -> a training answer, when chunks are not client.train's (several
 * workers: data-parallel.js).
 */
export function createRunController(client, { onModel, onRun, onEvents, onState, onError, callOptions = () => ({}), trainChunk = null }) {
  let state = "idle";
  let run = null; // {config, finished}: the run the worker has, as this page started it
  let queue = Promise.resolve();
  let loop = null;
  let stopRequested = false;
  let pending = 0; // actions asked for and not finished
  let starting = false; // Train was pressed and its run is being set up

  function setState(next) {
    state = next;
    onState(next);
  }

  // Actions run one at a time, in the order they were asked for.
  function exclusive(action) {
    pending++;
    onState(state);
    const result = queue.then(action).finally(() => {
      pending--;
      onState(state);
    });
    queue = result.catch(() => {});
    return result;
  }

  // A training answer: the whole summary when more than the run's position changed, else the position.
  function showTraining(reply) {
    if (reply.model) onModel(reply.model);
    else onRun(reply.run);
    onEvents(reply.events);
  }

  async function stopLoop() {
    if (!loop) return;
    stopRequested = true;
    if (state === "training") setState("stopping");
    await loop;
  }

  async function trainLoop() {
    setState("training");
    let end = "idle";
    try {
      while (!stopRequested) {
        const reply = trainChunk
          ? await trainChunk(TRAIN_BUDGET_MS, callOptions())
          : await client.train({ budget_ms: TRAIN_BUDGET_MS }, null, callOptions());
        showTraining(reply);
        if (reply.events.some((e) => e.type === EVENT.diverged)) end = "diverged";
        if (reply.events.some((e) => e.type === EVENT.codeError)) break; // the learner's code failed: a pause
        if (reply.finished) {
          run.finished = true;
          end = end === "diverged" ? end : "finished";
          break;
        }
      }
    } catch (err) {
      onError(err);
    }
    loop = null;
    setState(end);
  }

  // How many workers train is not part of the run: changing it goes on with the same run.
  const runPart = (config) => JSON.stringify({ ...config, workers: null });
  const canResume = (config) => Boolean(run && !run.finished && runPart(config) === runPart(run.config));

  // The paused run made with `config`, or a new one; the worker's refusal ({ok: false}) if any.
  async function ensureRun(config) {
    if (canResume(config)) return null;
    const reply = await client.newTraining({ config });
    onModel(reply.model);
    if (!reply.ok) return reply;
    run = { config, finished: false };
    onEvents([{ type: EVENT.started }]);
    return null;
  }

  // Runs an action that replaces the model: the run loop stops first; the new summary is shown.
  function replaceModel(work) {
    return exclusive(async () => {
      await stopLoop();
      try {
        const reply = await work();
        onModel(reply.model);
        if (reply.ok !== false) run = null;
        if (state !== "idle") setState("idle");
        return reply;
      } catch (err) {
        if (state !== "idle") setState("idle");
        throw err;
      }
    });
  }

  return {
    /** The current state. */
    state: () => state,
    /** Is anything asked for still to finish (or a run being set up, or running)? */
    busy: () => pending > 0 || loop !== null,
    /** Has Train been pressed for a run that has not started yet (Stop may still cancel it)? */
    starting: () => starting,
    /** Is there a paused run that Train would continue (started with these settings)? */
    canResume,
    /** Train: resume the paused run made with `config`, or start a fresh one. Resolves to the
     * worker's answer when a new run was refused ({ok: false, errors}), else undefined. */
    train(config) {
      stopRequested = false; // a Stop pressed from here on, even during set-up, is honoured
      starting = true;
      return exclusive(async () => {
        try {
          if (loop) return undefined;
          const refused = await ensureRun(config);
          if (refused) return refused;
          if (stopRequested) return undefined;
          loop = trainLoop();
          return undefined;
        } finally {
          starting = false;
        }
      });
    },
    /** Ask the running loop to stop after its current chunk. */
    stop() {
      stopRequested = true;
      if (state === "training") setState("stopping");
      onState(state);
    },
    /** Exactly one mini-batch step of the current run (a new run if there is none). */
    step(config) {
      return exclusive(async () => {
        await stopLoop();
        const refused = await ensureRun(config);
        if (refused) return refused;
        const reply = await client.step({}, null, callOptions());
        showTraining(reply);
        if (reply.finished) run.finished = true;
        setState(reply.events.some((e) => e.type === EVENT.diverged) ? "diverged" : reply.finished ? "finished" : "idle");
        return reply;
      });
    },
    /** Fresh untrained weights with the current settings. */
    reset: () => replaceModel(() => client.reset()),
    /** Back to the model that shipped with the page. */
    usePretrained: () => replaceModel(() => client.usePretrained()),
    /** Another action that replaces the model (fine-tuning): work() resolves to {ok, model}. */
    replaceWith: (work) => replaceModel(work),
    /** A model from .npz bytes; {ok: false, error} keeps the current one (and its paused run). */
    loadModel(bytes) {
      return exclusive(async () => {
        await stopLoop();
        const reply = await client.importModel({}, bytes);
        onModel(reply.model);
        if (reply.ok) run = null;
        if (state !== "idle") setState("idle");
        return reply;
      });
    },
  };
}
