// Wiring: connects the drawing pad, the controls, the charts and the panels to the worker.
// All training state lives in Python; this file only keeps what the page needs to show it.

import { showFatal } from "./boot.js";
import { createWorkerClient } from "./worker-client.js";
import { createDrawpad } from "./drawpad.js";
import { createProgressView } from "./progress.js";
import { buildControls } from "./controls.js";
import { checkViewNames, createSettings, readSettings, readView, settingsToHash } from "./state.js";
import { applyView, connectToHost } from "./embed.js";
import { createSharePanel } from "./share.js";
import { createOutbox } from "./outbox.js";
import * as panels from "./panels.js";

const STEPS = [
  { id: "runtime", label: "Python runtime (Pyodide)" },
  { id: "numpy", label: "NumPy" },
  { id: "code", label: "ScratchNet code" },
  { id: "data", label: "MNIST digits" },
  { id: "model", label: "Pretrained model" },
];
const TRAIN_BUDGET_MS = 80; // one chunk of training; Stop takes effect between chunks
const LIVE_REFRESH_MS = 3000; // how often weights and the drawn digit are re-read while training
const MISTAKES_SHOWN = 24;
const WEIGHT_UNITS = 64;
const REBUILD_HINT = "If you built this site yourself, run `python3 build.py build` and reload. Otherwise try reloading the page.";

const $ = (id) => document.getElementById(id);

// What the page knows about the session; the model and trainer themselves live in the worker.
const app = {
  phase: "loading",
  info: null, // init() result: schema, recipes, default_config, sizes
  model: null, // the current model's summary
  run: null, // {config, finished, stale}: the run the Train button resumes
  stopRequested: false,
  loop: null, // promise of the running training loop
  ink: null, // last drawn ink, re-read when the model changes
  inkSeq: 0,
  evalSeq: 0,
  lastLiveRefresh: 0,
  epochSeconds: 0, // time spent in train() calls since the last epoch ended
  view: null, // what the URL asks the page to show (panels, hidden parts, locks, embed)
  urlProblems: [], // what the URL asked for and was refused
};

let client;
let settings;
let controls;
let drawpad;
let progress;
let showPrediction;
let updateStep;
let outbox; // tells the embedding page (if any) and screen readers what happened
let updateShare;

/** Start the app: build the static parts, boot the worker, then wire everything up. */
export async function start() {
  const { view, problems } = readView(location.hash);
  app.view = view;
  app.urlProblems = problems;
  applyView(view);
  if (problems.length) notify(problems.join(" "));
  outbox = createOutbox(connectToHost(view), $("announcer"));
  updateStep = panels.createStepList($("loading-steps"), STEPS);
  showPrediction = panels.createPredictionView({
    output: $("prediction"), note: $("prediction-note"), seen: $("seen"), probs: $("probs"), hidden: $("hidden-layers"),
  });
  drawpad = createDrawpad(document.querySelector("[data-testid=draw-canvas]"), { onStroke: onInk });
  $("clear").addEventListener("click", onClear);
  progress = createProgressView();
  showPrediction(null);

  client = createWorkerClient();
  let info;
  try {
    info = await client.boot(onLoadingStep);
  } catch (err) {
    fail(err);
    return;
  }
  app.info = info;
  $("loading-title").textContent = "Loaded";
  $("loading-total").textContent = `ready in ${info.seconds.toFixed(1)} s`;
  $("loading-details").open = false;
  $("loading").hidden = app.view.embed; // a widget keeps its space for the lesson
  $("build-id").textContent = info.build ? `Build ${info.build}.` : "";
  setupControls(info);
  wireButtons();
  setModel(info.model);
  setPhase("ready");
  refreshAfterModelChange();
  outbox.ready();
}

// ---------- loading ----------

function onLoadingStep(step) {
  updateStep(step);
  if (app.phase === "loading") {
    const label = STEPS.find((s) => s.id === step.id).label;
    setStatusText(step.state === "active" ? `Loading: ${label}…` : "Loading…");
  }
}

// A failure during loading or a dead worker: nothing more can run.
function fail(err) {
  app.phase = "error";
  app.stopRequested = true;
  showFatal(plain(err), REBUILD_HINT);
  updateButtons();
}

// The useful part of an error: for a Python traceback, its last line.
function plain(err) {
  const text = String((err && err.message) || err || "Unknown error");
  const lines = text.trim().split("\n").filter((l) => l.trim());
  return lines.length > 1 && /Traceback|File "/.test(text) ? lines[lines.length - 1] : text;
}

// ---------- status, notices, buttons ----------

function setPhase(phase) {
  app.phase = phase;
  const status = document.querySelector("[data-testid=status]");
  status.dataset.state = phase;
  setStatusText({ ready: "Ready", training: "Training…", loading: "Loading…", error: "Error" }[phase]);
  $("controls-fieldset").disabled = phase !== "ready";
  updateButtons();
}

function setStatusText(text) {
  document.querySelector("[data-testid=status] .status-text").textContent = text;
}

function notify(text) {
  $("notice-text").textContent = text;
  $("notice").hidden = false;
}

function clearNotice() {
  $("notice").hidden = true;
}

function canResume() {
  return Boolean(app.run && !app.run.finished && !app.run.stale);
}

function updateButtons() {
  const ready = app.phase === "ready";
  const live = ready || app.phase === "training";
  const invalid = controls ? Object.keys(controls.current().errors).length > 0 : true;
  const train = $("train");
  train.disabled = !ready || (invalid && !canResume());
  train.textContent = canResume() ? "Resume" : "Train";
  $("stop").disabled = app.phase !== "training";
  for (const id of ["reset", "pretrained", "download", "load"]) $(id).disabled = !live;
  // A button that disables itself would drop keyboard focus; hand it to its counterpart.
  if (document.activeElement === train && train.disabled && !$("stop").disabled) $("stop").focus();
  if (document.activeElement === $("stop") && $("stop").disabled && !train.disabled) train.focus();
  $("form-error").textContent = invalid && ready ? "Fix the highlighted settings to train." : "";
}

// ---------- controls ----------

// Settings come from the URL: refused values are named in a notice and their defaults kept.
function setupControls(info) {
  const checked = checkViewNames(app.view, info.schema.map((f) => f.name));
  app.view = checked.view;
  applyView(app.view);
  const fromUrl = readSettings(location.hash, info.schema, info.recipes);
  const problems = [...app.urlProblems, ...checked.problems, ...fromUrl.problems];
  if (problems.length) notify(problems.join(" "));

  settings = createSettings(info.default_config);
  updateShare = createSharePanel(app.view, (view) => settingsToHash(settings, info.default_config, view));
  controls = buildControls($("fields"), $("recipe"), info.schema, info.recipes, {
    onChange: onSettingsChange, locked: app.view.lock, hidden: app.view.hide,
  });
  if (fromUrl.recipe) controls.useRecipe(fromUrl.recipe);
  else controls.set(info.default_config);
  if (Object.keys(fromUrl.values).length) controls.set(fromUrl.values);
}

let validateTimer = 0;
let validateSeq = 0;

function onSettingsChange({ config, errors, recipe }) {
  settings.recipe = recipe;
  Object.assign(settings.config, config);
  // Changed settings make a paused run stale: Train then starts afresh with them.
  if (app.run && !app.run.finished && JSON.stringify(config) !== JSON.stringify(app.run.config)) app.run.stale = true;
  if (!Object.keys(errors).length) {
    history.replaceState(null, "", settingsToHash(settings, app.info.default_config, app.view) || location.pathname + location.search);
    updateShare();
    // The Python side has the last word (it may know rules the schema cannot express).
    clearTimeout(validateTimer);
    const seq = ++validateSeq;
    validateTimer = setTimeout(async () => {
      const result = await client.validate(config).catch(() => null);
      if (result && !result.ok && seq === validateSeq) showSettingErrors(result.errors);
    }, 250);
  }
  updateButtons();
}

// Python's verdict on the settings: at each control, and anything else under the form.
function showSettingErrors(errors) {
  const general = controls.showErrors(errors || {});
  if (general.length) $("form-error").textContent = general.join(" ");
}

// ---------- model summary and evaluation ----------

function setModel(summary) {
  app.model = summary;
  const layers = summary.layers.join(" → ");
  const acc = summary.test_accuracy == null ? "not evaluated" : `test accuracy ${pct(summary.test_accuracy)}`;
  const epochs = summary.epochs_trained === 1 ? "1 epoch" : `${summary.epochs_trained} epochs`;
  $("model-info").textContent = `Model: ${summary.name} · layers ${layers} · ${summary.activation} · trained ${epochs} · ${acc}`;
  setEpoch(summary.epochs_trained);
  setTestAccuracy(summary.test_accuracy);
  updateButtons();
}

function setEpoch(n) {
  const el = $("epoch");
  el.dataset.value = String(n);
  el.textContent = String(n);
}

function setTestAccuracy(value) {
  const el = $("test-accuracy");
  el.dataset.value = value == null ? "" : String(value);
  el.textContent = value == null ? "–" : pct(value);
}

const pct = (v) => `${(100 * v).toFixed(1)}%`;

// After the model changes: confusion matrix, mistakes, weights and the drawn digit are re-read.
async function refreshAfterModelChange({ evaluate = true } = {}) {
  const seq = ++app.evalSeq;
  refreshWeights();
  reclassify();
  if (!evaluate) return;
  try {
    const result = await client.evaluate();
    if (seq !== app.evalSeq) return;
    showEvaluation(result.confusion, "");
    setTestAccuracy(result.test_accuracy);
    await refreshMistakes(seq);
  } catch (err) {
    // Shown in the panel, so a more important notice (say, why training stopped) stays visible.
    if (seq === app.evalSeq) $("confusion").textContent = `Could not evaluate this model: ${plain(err)}`;
    if (/worker that runs Python stopped/.test(String(err && err.message))) fail(err);
  }
}

function showEvaluation(confusion, when) {
  panels.drawConfusion($("confusion"), confusion);
  $("eval-when").textContent = when;
}

async function refreshMistakes(seq = app.evalSeq) {
  const mistakes = await client.mistakes(MISTAKES_SHOWN);
  if (seq === app.evalSeq) panels.drawMistakes($("mistakes"), mistakes);
}

async function refreshWeights() {
  try {
    const { units, images } = await client.firstLayerWeights(WEIGHT_UNITS);
    panels.drawWeightMosaic($("weights"), images);
    $("weights-note").textContent = images.length < units ? `Showing ${images.length} of ${units} units.` : "";
  } catch (err) {
    report(err);
  }
}

function clearEvaluation() {
  app.evalSeq++;
  $("confusion").innerHTML = `<p class="muted small">Not evaluated yet.</p>`;
  $("mistakes").innerHTML = `<p class="muted small">Not evaluated yet.</p>`;
  $("eval-when").textContent = "";
}

// A failed call: a dead worker ends the app, anything else is shown and the app goes on.
function report(err) {
  if (/worker that runs Python stopped/.test(String(err && err.message))) fail(err);
  else notify(plain(err));
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
  if (!app.ink) return;
  if (app.phase !== "ready" && app.phase !== "training") return; // classified once loading ends
  const seq = ++app.inkSeq;
  const ink = app.ink;
  // The pixels are handed over to the worker, so keep a copy for re-reading later.
  app.ink = { ...ink, pixels: ink.pixels.slice(), drawn: false };
  $("prediction").dataset.pending = "true";
  try {
    const result = await client.classify(ink);
    if (seq === app.inkSeq) {
      showPrediction(result);
      outbox.prediction(result, ink.drawn);
    }
  } catch (err) {
    if (seq === app.inkSeq) showPrediction({ empty: true, message: `Could not read the drawing: ${plain(err)}` });
    report(err);
  } finally {
    if (seq === app.inkSeq) $("prediction").dataset.pending = "false";
  }
}

// ---------- training ----------

function wireButtons() {
  $("train").addEventListener("click", onTrain);
  $("stop").addEventListener("click", () => stopTraining());
  $("reset").addEventListener("click", onReset);
  $("pretrained").addEventListener("click", onUsePretrained);
  $("download").addEventListener("click", onDownload);
  $("load").addEventListener("click", () => $("load-file").click());
  $("load-file").addEventListener("change", onLoadFile);
  $("notice-close").addEventListener("click", clearNotice);
}

async function onTrain() {
  if (app.phase !== "ready") return;
  clearNotice();
  if (!canResume()) {
    const { config, errors } = controls.current();
    if (Object.keys(errors).length) return updateButtons();
    setPhase("training"); // blocks double clicks while the run is set up
    try {
      const result = await client.newTraining(config);
      if (!result.ok) {
        setPhase("ready");
        showSettingErrors(result.errors);
        return;
      }
      app.run = { config, finished: false, stale: false };
      setModel(result.model);
      clearEvaluation();
      setTestAccuracy(null);
      progress.reset({ clearCharts: true });
      app.epochSeconds = 0;
      refreshAfterModelChange({ evaluate: false });
    } catch (err) {
      setPhase("ready");
      report(err);
      return;
    }
  }
  setPhase("training");
  app.stopRequested = false;
  app.loop = trainLoop();
  await app.loop;
}

async function trainLoop() {
  try {
    while (!app.stopRequested) {
      const started = performance.now();
      const result = await client.train(TRAIN_BUDGET_MS);
      app.epochSeconds += (performance.now() - started) / 1000;
      handleEvents(result.events);
      if (result.finished) {
        app.run.finished = true;
        break;
      }
      liveRefresh();
    }
  } catch (err) {
    // Until the bridge reports every overflow as divergence, a NaN it cannot encode lands here.
    if (/Out of range float values/.test(String(err && err.message))) {
      if (app.run) app.run.finished = true;
      notify("Training stopped: the numbers overflowed (a result became NaN or infinite). " +
        "The learning rate is probably too high; try one 10 times smaller, or turn on gradient clipping.");
      outbox.trainingDone("diverged", app.model);
    } else {
      report(err);
    }
  }
  app.loop = null;
  if (app.phase === "training") setPhase("ready");
}

/** Ask the training loop to stop after its current chunk, and wait for it. */
async function stopTraining() {
  app.stopRequested = true;
  if (app.loop) await app.loop;
}

// While training, the weights and the drawn digit are re-read every few seconds.
function liveRefresh() {
  const now = performance.now();
  if (now - app.lastLiveRefresh < LIVE_REFRESH_MS) return;
  app.lastLiveRefresh = now;
  refreshWeights();
  reclassify();
}

function handleEvents(events) {
  const chunk = events.filter((e) => e.type === "progress");
  if (chunk.length) progress.chunk(chunk, app.run.config.batch_size);
  for (const event of events) {
    if (event.type === "epoch") onEpoch(event);
    else if (event.type === "diverged") onDiverged(event);
    else if (event.type === "finished") onFinished();
  }
}

function onEpoch(event) {
  progress.epoch(event);
  setEpoch(event.epoch);
  setTestAccuracy(event.test_accuracy);
  app.model = { ...app.model, name: "trained", epochs_trained: event.epoch, test_accuracy: event.test_accuracy };
  setModel(app.model);
  const seconds = event.seconds ?? app.epochSeconds;
  app.epochSeconds = 0;
  showEvaluation(event.confusion, `(after epoch ${event.epoch}, which took ${seconds.toFixed(1)} s)`);
  outbox.epoch(event);
  const seq = ++app.evalSeq;
  refreshMistakes(seq).catch(report);
  refreshWeights();
  reclassify();
}

function onDiverged(event) {
  app.stopRequested = true;
  if (app.run) app.run.finished = true;
  notify(event.message);
  refreshAfterModelChange();
  outbox.trainingDone("diverged", app.model);
}

function onFinished() {
  if (app.run) app.run.finished = true;
  progress.finished();
  outbox.trainingDone("finished", app.model);
}

// ---------- model buttons ----------

async function onReset() {
  await stopTraining();
  try {
    const summary = await client.reset();
    app.run = null;
    setModel(summary);
    setTestAccuracy(null);
    clearEvaluation();
    progress.reset({ clearCharts: true });
    refreshAfterModelChange({ evaluate: false });
  } catch (err) {
    report(err);
  }
}

async function onUsePretrained() {
  await stopTraining();
  try {
    const summary = await client.usePretrained();
    app.run = null;
    setModel(summary);
    progress.reset();
    refreshAfterModelChange();
  } catch (err) {
    report(err);
  }
}

async function onDownload() {
  try {
    const bytes = await client.exportModel();
    const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `scratchnet-${app.model.name}-${app.model.layers.join("-")}.npz`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    report(err);
  }
}

async function onLoadFile(event) {
  const file = event.target.files[0];
  event.target.value = ""; // choosing the same file again still fires "change"
  if (!file) return;
  await stopTraining();
  try {
    const result = await client.importModel(new Uint8Array(await file.arrayBuffer()));
    if (!result.ok) {
      notify(`Could not load "${file.name}": ${result.error} The current model is kept.`);
      return;
    }
    clearNotice();
    app.run = null;
    setModel(result.model);
    progress.reset();
    refreshAfterModelChange();
  } catch (err) {
    report(err);
  }
}
