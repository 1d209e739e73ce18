// The playground's runner: the one place that tells the worker what to do with the playground.
// Every action (new settings, reset, a step, placing points, a chunk of training) waits for the
// one before it, so the page's points and frames always match the worker's. While playing, it
// trains in short chunks, each answered with a frame (the boundary redrawn after every chunk).
// It knows nothing of the page: it takes the worker client and callbacks.

import { WorkerDiedError } from "../worker-client.js";

// Each chunk trains for what is left of FRAME_MS once the chunk's other costs (the frame computed in
// Python, the answer's trip) are paid, so the boundary is redrawn about 1000 / FRAME_MS times a
// second; never less training than MIN_BUDGET_MS, so a slow machine still learns.
const FRAME_MS = 60;
const MIN_BUDGET_MS = 15;
export const RESOLUTION = 64; // cells per side of the boundary's grid

/**
 * client: the worker client. onReply(reply) gets every answer (each carries a frame);
 * onState(playing) when play starts or stops; onError(err) for failed calls.
 */
export function createRunner(client, { onReply, onState, onError }) {
  let queue = Promise.resolve();
  let playing = false;
  let looping = false;
  let settings = null; // the last settings Python took, to set a new worker up again

  // Actions run one at a time, in the order they were asked for.
  function exclusive(action) {
    const result = queue.then(action);
    queue = result.catch(() => {});
    return result;
  }

  // A worker that was restarted (or never had the playground) gets its settings back first.
  async function call(method, args) {
    const ask = () => client[method]({ ...args, resolution: RESOLUTION });
    let reply;
    try {
      reply = await ask();
    } catch (err) {
      if (err instanceof WorkerDiedError || !settings || !/playground_new/.test(String(err.message))) throw err;
      onReply(await client.playgroundNew({ settings, resolution: RESOLUTION })); // placed points are not brought back
      reply = await ask();
    }
    onReply(reply);
    return reply;
  }

  function setPlaying(next) {
    if (playing === next) return;
    playing = next;
    onState(playing);
  }

  async function loop() {
    looping = true;
    let overhead = MIN_BUDGET_MS; // a running mean of each chunk's time beyond its training
    while (playing) {
      try {
        const budget = Math.max(MIN_BUDGET_MS, FRAME_MS - overhead);
        const started = performance.now();
        const reply = await exclusive(() => (playing ? call("playgroundTrain", { budget_ms: budget }) : null));
        if (reply && reply.frame.diverged) setPlaying(false);
        overhead = 0.7 * overhead + 0.3 * Math.max(0, performance.now() - started - budget);
      } catch (err) {
        setPlaying(false);
        onError(err);
      }
    }
    looping = false;
  }

  return {
    /** Is it training? */
    playing: () => playing,
    /** Train until paused. */
    play() {
      setPlaying(true);
      if (!looping) loop();
    },
    /** Stop after the chunk under way. */
    pause: () => setPlaying(false),
    /** New settings: a fresh run (and new points if the data changed). Resolves to the reply. */
    setup: (next) => exclusive(async () => {
      const reply = await call("playgroundNew", { settings: next });
      if (reply.ok) settings = next;
      return reply;
    }),
    /** Fresh untrained weights, same settings and points. */
    reset: () => exclusive(() => call("playgroundReset", {})),
    /** Exactly one training step (pausing first). */
    step() {
      setPlaying(false);
      return exclusive(() => call("playgroundTrain", { budget_ms: 0 }));
    },
    /** Add training points [[x1, x2, class], ...]; resolves to the reply ({ok, error?}). */
    place: (points) => exclusive(() => call("playgroundPlace", { points })),
    /** Remove every placed point. */
    clearPlaced: () => exclusive(() => call("playgroundPlace", { points: [], clear: true })),
  };
}
