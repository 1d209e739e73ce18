// The training buttons (Train or Resume, Stop, Step), the settings form and the model buttons, as
// the run controller's state and the settings make them: what can be pressed now.

const $ = (id) => document.getElementById(id);
let focusTrainWhenReady = false; // Stop took the focus with it while Train was still disabled

/** controller: the run controller; settings: the settings panel's current() {config, errors}. */
export function showButtons(controller, settings) {
  const state = controller.state();
  // Anything under way (a run, a step, its set-up) reads "Training…", never "Resume".
  const busy = state === "training" || state === "stopping" || controller.starting() || controller.busy();
  const { config, errors } = settings;
  const invalid = Object.keys(errors).length > 0;
  const resumable = controller.canResume(config);
  $("controls-fieldset").disabled = busy;
  const train = $("train");
  train.disabled = busy || (invalid && !resumable);
  train.textContent = busy ? "Training…" : resumable ? "Resume" : "Train";
  $("stop").disabled = !busy || state === "stopping";
  $("step").disabled = busy || invalid;
  for (const id of ["reset", "pretrained", "download", "load"]) $(id).disabled = false;
  // A button that disables itself would drop keyboard focus; hand it to its counterpart.
  if (document.activeElement === train && train.disabled && !$("stop").disabled) $("stop").focus();
  if (document.activeElement === $("stop") && $("stop").disabled) {
    // Stopping waits for the chunk under way: Train may be enabled only later. Until then the
    // focus would fall to the page, so it is handed to Train as soon as Train can take it.
    if (train.disabled) focusTrainWhenReady = true;
    else train.focus();
  }
  if (focusTrainWhenReady && !train.disabled) {
    focusTrainWhenReady = false;
    if (!document.activeElement || document.activeElement === document.body || document.activeElement === $("stop")) train.focus();
  }
  $("form-error").textContent = invalid && !busy ? "Fix the highlighted settings to train." : "";
}
