// The playground's runner: the one place that tells the worker what to do with the playground.
// The worker answers calls one at a time, in the order they were sent, so every action (new
// settings, reset, a step, placing points, a chunk of training) is sent at once and its answer
// handled in that same order: the page's points and frames always follow the worker's. While
// playing it keeps two chunks of training asked for, so the worker goes straight from one to the
// next instead of waiting for the page; each chunk is answered with a frame.
// It knows nothing of the page: it takes the worker client and callbacks.

import { WorkerDiedError } from "../python/client.js";

// Each chunk trains for what is left of FRAME_MS once the frame's other costs (computing it in
// Python, its trip to the page) are paid, so the boundary is redrawn about 1000 / FRAME_MS times
// a second; never less training than MIN_BUDGET_MS, so a slow machine still learns.
const FRAME_MS = 60;
const MIN_BUDGET_MS = 15;
const IN_FLIGHT = 2; // chunks asked for ahead while playing
export const RESOLUTION = 64; // cells per side of the boundary's grid

/**
 * client: the worker client. onReply(reply) gets every answer (each carries a frame);
 * onState(playing) when play starts or is paused, and when the last chunk is answered;
 * onError(err) for failed calls.
 */
export function createRunner(client, { onReply, onState, onError }) {
  let playing = false;
  let looping = false;
  let settings = null; // the last settings Python took, to set a new worker up again
  let recovering = null; // that set-up, under way

  // A worker that was restarted (or never had the playground) gets its settings back, once,
  // and the call is made again.
  async function call(method, args) {
    const ask = () => client[method]({ ...args, resolution: RESOLUTION });
    let reply;
    try {
      reply = await ask();
    } catch (err) {
      if (err instanceof WorkerDiedError || !settings || !/playground_new/.test(String(err.message))) throw err;
      recovering = recovering || client.playgroundNew({ settings, resolution: RESOLUTION })
        .then(onReply) // placed points are not brought back
        .finally(() => (recovering = null));
      await recovering;
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
    const asked = []; // chunks sent and not answered yet: {budget, reply}
    let overhead = MIN_BUDGET_MS; // a running mean of each frame's time beyond its training
    let last = performance.now();
    try {
      while (playing || asked.length) {
        while (playing && asked.length < IN_FLIGHT) {
          const budget = Math.max(MIN_BUDGET_MS, FRAME_MS - overhead);
          const reply = call("playgroundTrain", { budget_ms: budget });
          reply.catch(() => {}); // seen when its turn comes below
          asked.push({ budget, reply });
        }
        const { budget, reply } = asked.shift();
        const answer = await reply;
        const now = performance.now();
        overhead = 0.7 * overhead + 0.3 * Math.max(0, now - last - budget);
        last = now;
        if (answer.frame.diverged) setPlaying(false);
      }
    } catch (err) {
      setPlaying(false);
      onError(err);
      await Promise.allSettled(asked.map((a) => a.reply));
    }
    looping = false;
    onState(playing);
  }

  return {
    /** Is it training (or asked to)? */
    playing: () => playing,
    /** Is a chunk of training still to be answered (after a pause, until the last one is)? */
    running: () => looping,
    /** Train until paused. */
    play() {
      setPlaying(true);
      if (!looping) loop();
    },
    /** Stop after the chunks already asked for. */
    pause: () => setPlaying(false),
    /** New settings: a fresh run (and new points if the data changed). Resolves to the reply. */
    async setup(next) {
      const reply = await call("playgroundNew", { settings: next });
      if (reply.ok) settings = next;
      return reply;
    },
    /** Fresh untrained weights, same settings and points. */
    reset: () => call("playgroundReset", {}),
    /** Exactly one training step (pausing first). */
    step() {
      setPlaying(false);
      return call("playgroundTrain", { budget_ms: 0 });
    },
    /** Add training points [[x1, x2, class], ...]; resolves to the reply ({ok, error?}). */
    place: (points) => call("playgroundPlace", { points }),
    /** Remove every placed point. */
    clearPlaced: () => call("playgroundPlace", { points: [], clear: true }),
  };
}
