// The events of a training run, as the page receives them in each training answer. Python makes
// them (py/scratchnet/training/events.py, which says what each one holds); a chunk's batches come
// folded into one "progress" event, and "work" events never leave the worker. "started" is the
// page's own: the run controller's word that a new run was set up. A unit test keeps these types
// equal to Python's.

export const EVENT = Object.freeze({
  progress: "progress", // a chunk's mini-batches: loss, accuracy, learning rate, gradient norms, ...
  epoch: "epoch", // an epoch is done (with the test set's figures when it was evaluated)
  diverged: "diverged", // the run stopped: the numbers stopped being finite; message says why
  finished: "finished", // the last epoch is done
  codeError: "code-error", // the learner's code raised: the run pauses
  started: "started", // the page's own: a new run was set up
});
