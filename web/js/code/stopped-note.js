// The note a panel shows, in place, when the learner's code ran too long (or ended Python) during
// something asked of that panel: the worker was stopped and restarts with the reference code, and
// the learner's model, settings and code are kept (main.js restarts it). The note stays until the
// learner switches their code in again, so the restart's own refresh of the panel does not wipe it.
// Test contract: [data-testid=code-stopped] with data-where naming the panel.

import { WorkerDiedError } from "../python/client.js";

/** Shows the note after `anchor` if `err` is a stopped worker; returns whether it did. */
export function noteIfStopped(err, anchor, where) {
  if (!(err instanceof WorkerDiedError) || !anchor) return false;
  let note = anchor.parentElement.querySelector(`:scope > [data-testid=code-stopped][data-where=${where}]`);
  if (!note) {
    note = document.createElement("p");
    note.className = "stopped-note";
    note.dataset.testid = "code-stopped";
    note.dataset.where = where;
    note.setAttribute("role", "alert");
    anchor.after(note);
  }
  const why = err.timedOut ? `ran for too long here (${err.message.replace(/^Python /, "it ")}): an endless loop, or a loop that waits for something that never comes?`
    : `stopped Python here (${err.message})`;
  note.textContent = `Your code ${why} Python restarts with the reference code; your model, settings, run and code are kept. ` +
    "Fix the function in the code panel, press Check, then Train with my code again.";
  return true;
}

/** Removes every such note (the learner switched their code in again). */
export function clearStoppedNotes() {
  for (const note of document.querySelectorAll("[data-testid=code-stopped]")) note.remove();
}
