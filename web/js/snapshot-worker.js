// A fresh worker that boots Python, imports NumPy, stores a memory snapshot of it for the next
// visit and answers once: {ok, made} or {ok: false, error}. Started by runtime.js while the app's
// own worker is idle; it must hold nothing of the app, so it does nothing else.

import { makeSnapshot } from "./runtime.js";

self.onmessage = async ({ data: site }) => {
  try {
    const started = performance.now();
    const made = await makeSnapshot(site);
    postMessage({ ok: true, made: { ...made, seconds: Math.round(performance.now() - started) / 1000 } });
  } catch (err) {
    postMessage({ ok: false, error: String(err && err.message ? err.message : err) });
  }
};
