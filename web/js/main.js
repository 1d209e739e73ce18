// Wiring: connects the drawing pad, the controls, the run controller, the charts and the panels
// to the worker. All model and training state lives in Python; the page shows the worker's own
// summaries (each with a model id), so what it shows always matches the model in use.

import { showFatal } from "./fatal.js";
import { createWorkerClient, WorkerDiedError } from "./worker-client.js";
import { createDrawpad } from "./drawpad.js";
import { createProgressView } from "./progress.js";
import { createRunController } from "./run-controller.js";
import { createModelView } from "./model-view.js";
import { createSettingsPanel } from "./settings-panel.js";
import { readView } from "./state.js";
import { applyView, connectToHost } from "./embed.js";
import { createOutbox } from "./outbox.js";
import { createCourseHooks } from "./course-hooks.js";
import { saveFile } from "./save-file.js";
import * as panels from "./panels.js";

const STEPS = [
  { id: "runtime", label: "Python runtime (Pyodide)" },
  { id: "numpy", label: "NumPy" },
  { id: "code", label: "ScratchNet code" },
  { id: "data", label: "MNIST digits" },
  { id: "model", label: "Pretrained model" },
];
const LIVE_REFRESH_MS = 3000; // how often weights and the drawn digit are re-read while training
const REBUILD_HINT = "If you built this site yourself, run `python3 build.py build` and reload. Otherwise try reloading the page.";

const $ = (id) => document.getElementById(id);

const app = {
  loaded: false,
  failed: false,
  view: null, // what the URL asks the page to show (panels, hidden parts, locks, embed)
  viewProblems: [], // what the URL asked of the view and was refused
  ink: null, // the last drawing, re-read when the model changes
  inkSeq: 0,
  lastLiveRefresh: 0,
  epochSeconds: 0,
  chunkStarted: 0,
};

let client;
let controller;
let modelView;
let settingsPanel;
let drawpad;
let progress;
let showPrediction;
let outbox;
let host;
let course; // the coach, run history, lessons, export and course-page commands (course-hooks.js)

/** Start the app: build the static parts, boot the worker, then wire everything up. */
export async function start() {
  const { view, problems } = readView(location.hash);
  app.view = view;
  app.viewProblems = problems;
  applyView(view);
  if (problems.length) notify(problems.join(" "));
  host = connectToHost(view);
  outbox = createOutbox(host, $("announcer"));
  const updateStep = panels.createStepList($("loading-steps"), STEPS);
  showPrediction = panels.createPredictionView({
    output: $("prediction"), note: $("prediction-note"), seen: $("seen"), probs: $("probs"), hidden: $("hidden-layers"),
    softmax: $("softmax-note"),
  });
  drawpad = createDrawpad(document.querySelector("[data-testid=draw-canvas]"), { onStroke: onInk });
  $("clear").addEventListener("click", onClear);
  progress = createProgressView();
  showPrediction(null);

  client = createWorkerClient((step) => {
    updateStep(step);
    if (!app.loaded && !app.failed) {
      const label = STEPS.find((s) => s.id === step.id).label;
      setStatus("loading", step.state === "active" ? `Loading: ${label}…` : "Loading…");
    }
  });
  let booted;
  try {
    booted = await client.boot();
  } catch (err) {
    fail(err);
    return;
  }
  const { info } = booted;
  $("loading-title").textContent = "Loaded";
  $("loading-total").textContent = `ready in ${booted.seconds.toFixed(1)} s`;
  $("loading-details").open = false;
  $("loading").hidden = app.view.embed; // a widget keeps its space for the lesson
  $("build-id").textContent = booted.build ? `Build ${booted.build}.` : "";

  modelView = createModelView(client, report);
  controller = createRunController(client, { onModel, onEvents, onState, onError: report });
  settingsPanel = createSettingsPanel(info, app.view, {
    validate: (config) => client.validate({ config }),
    onChange: updateButtons,
    notify: (text) => notify([...app.viewProblems, text].join(" ")), // the URL's problems, all in one notice
  });
  wireButtons();
  course = createCourseHooks({
    info, view: app.view, client, controller, settingsPanel, progress, outbox, host, notify, report, train,
    reset: () => replaceModel(() => controller.reset(), { fresh: true }),
  });
  app.loaded = true;
  onModel(info.model);
  onState("idle");
  outbox.ready();
}

// ---------- status, notices, errors ----------

function setStatus(state, text) {
  const status = document.querySelector("[data-testid=status]");
  status.dataset.state = state;
  status.querySelector(".status-text").textContent = text;
}

function notify(text) {
  $("notice-text").textContent = text;
  $("notice").hidden = false;
}

function clearNotice() {
  $("notice").hidden = true;
}

// A failure during loading: nothing more can run.
function fail(err) {
  app.failed = true;
  showFatal(plain(err), REBUILD_HINT);
}

// The useful part of an error: for a Python traceback, its last line.
function plain(err) {
  const text = String((err && err.message) || err || "Unknown error");
  const lines = text.trim().split("\n").filter((l) => l.trim());
  return lines.length > 1 && /Traceback|File "/.test(text) ? lines[lines.length - 1] : text;
}

// A failed call: a dead worker is restarted with the session brought back; anything else is shown.
function report(err) {
  if (err instanceof WorkerDiedError) restartWorker(err);
  else notify(plain(err));
}

let restarting = null;
function restartWorker(err) {
  if (restarting) return;
  setStatus("loading", "Restarting Python…");
  notify(`${err.message} Python is being restarted; your model and settings are brought back.`);
  restarting = client.restart()
    .then(({ model }) => {
      onModel(model);
      onState("idle");
    })
    .catch(fail)
    .finally(() => {
      restarting = null;
    });
}

// ---------- the model and the run ----------

function onModel(summary) {
  if (modelView.set(summary)) reclassify();
  if (course) course.onModel(summary);
  updateButtons();
}

const STATUS_TEXT = { idle: "Ready", training: "Training…", stopping: "Stopping…", finished: "Ready", diverged: "Ready" };

function onState(state) {
  const setUp = controller && controller.starting() && state !== "training";
  setStatus(state === "training" || state === "stopping" || setUp ? "training" : "ready",
    setUp ? "Setting up the run…" : STATUS_TEXT[state]);
  // Whether anything the learner asked for is still under way (for tests and assistive tech).
  document.querySelector("[data-testid=status]").dataset.busy = String(controller ? controller.busy() : false);
  if (state === "training") app.chunkStarted = performance.now();
  if (course) course.onState(state);
  updateButtons();
}

function updateButtons() {
  if (!controller || !settingsPanel) return;
  const state = controller.state();
  // Anything under way (a run, a step, its set-up) reads "Training…", never "Resume".
  const busy = state === "training" || state === "stopping" || controller.starting() || controller.busy();
  const { config, errors } = settingsPanel.current();
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
  if (document.activeElement === $("stop") && $("stop").disabled && !train.disabled) train.focus();
  $("form-error").textContent = invalid && !busy ? "Fix the highlighted settings to train." : "";
}

function onEvents(events) {
  const now = performance.now();
  app.epochSeconds += (now - app.chunkStarted) / 1000;
  app.chunkStarted = now;
  const chunk = events.filter((e) => e.type === "progress");
  if (chunk.length) progress.chunk(chunk, settingsPanel.current().config.batch_size);
  for (const event of events) {
    if (event.type === "started") {
      clearNotice();
      progress.reset({ clearCharts: true });
      app.epochSeconds = 0;
    } else if (event.type === "epoch") {
      progress.epoch(event);
      if (event.evaluated) {
        modelView.epoch(event, app.epochSeconds);
        app.epochSeconds = 0;
        outbox.epoch(event);
      }
      reclassify();
    } else if (event.type === "diverged") {
      // The explanation is the coach's, beside the charts (course-hooks.js).
      modelView.refreshWeights();
      reclassify();
      outbox.trainingDone("diverged", modelView.current());
    } else if (event.type === "finished") {
      progress.finished();
      outbox.trainingDone("finished", modelView.current());
    }
  }
  course.onEvents(events);
  if (now - app.lastLiveRefresh > LIVE_REFRESH_MS) {
    app.lastLiveRefresh = now;
    modelView.refreshWeights();
    reclassify();
  }
}

async function train() {
  clearNotice();
  const { config, errors } = settingsPanel.current();
  if (Object.keys(errors).length && !controller.canResume(config)) return updateButtons();
  try {
    const refused = await controller.train(config);
    if (refused) settingsPanel.showErrors(refused.errors);
  } catch (err) {
    report(err);
  }
}

async function step() {
  clearNotice();
  try {
    const reply = await controller.step(settingsPanel.current().config);
    if (reply && reply.ok === false) settingsPanel.showErrors(reply.errors);
  } catch (err) {
    report(err);
  }
}

async function replaceModel(action, { fresh = false } = {}) {
  try {
    await action();
    progress.reset({ clearCharts: fresh });
  } catch (err) {
    report(err);
  }
}

async function download() {
  try {
    const bytes = await client.exportModel();
    const model = modelView.current();
    saveFile(bytes, `scratchnet-${model.name}-${model.layers.join("-")}.npz`);
  } catch (err) {
    report(err);
  }
}

async function loadFile(event) {
  const file = event.target.files[0];
  event.target.value = ""; // choosing the same file again still fires "change"
  if (!file) return;
  try {
    const reply = await controller.loadModel(new Uint8Array(await file.arrayBuffer()));
    if (!reply.ok) {
      notify(`Could not load "${file.name}": ${reply.error} The current model is kept.`);
      return;
    }
    clearNotice();
    progress.reset();
  } catch (err) {
    report(err);
  }
}

function wireButtons() {
  $("train").addEventListener("click", train);
  $("stop").addEventListener("click", () => controller.stop());
  $("step").addEventListener("click", step);
  $("reset").addEventListener("click", () => replaceModel(() => controller.reset(), { fresh: true }));
  $("pretrained").addEventListener("click", () => replaceModel(() => controller.usePretrained()));
  $("download").addEventListener("click", download);
  $("load").addEventListener("click", () => $("load-file").click());
  $("load-file").addEventListener("change", loadFile);
  $("notice-close").addEventListener("click", clearNotice);
}

// ---------- drawing and classifying ----------

function onInk(ink) {
  app.ink = { ...ink, drawn: true }; // a new drawing, not a re-read for a changed model
  reclassify();
}

function onClear() {
  drawpad.clear();
  showPrediction(null);
  // The empty pad still goes to Python, which says in its own words that there is nothing to read.
  app.ink = drawpad.readInk();
  reclassify();
}

async function reclassify() {
  if (!app.ink || !app.loaded) return; // classified once loading ends
  const seq = ++app.inkSeq;
  const ink = app.ink;
  // The pixels are handed over to the worker, so keep a copy for re-reading later.
  app.ink = { ...ink, pixels: ink.pixels.slice(), drawn: false };
  $("prediction").dataset.pending = "true";
  try {
    const result = await client.classify({ width: ink.width, height: ink.height }, ink.pixels);
    if (seq !== app.inkSeq) return;
    showPrediction(result);
    $("prediction").dataset.modelId = String(result.model_id);
    outbox.prediction(result, ink.drawn);
  } catch (err) {
    if (seq === app.inkSeq) showPrediction({ empty: true, message: `Could not read the drawing: ${plain(err)}` });
    report(err);
  } finally {
    if (seq === app.inkSeq) $("prediction").dataset.pending = "false";
  }
}
