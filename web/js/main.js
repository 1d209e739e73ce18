// Wiring: connects the drawing pad, the controls, the run controller, the charts and the panels
// to the worker. All model and training state lives in Python; the page shows the worker's own
// summaries (each with a model id), so what it shows always matches the model in use.

import { showFatal } from "./shell/fatal.js";
import { createWorkerClient, DownloadError, WorkerDiedError } from "./python/client.js";
import { createDrawPanel } from "./draw/panel.js";
import { createProgressView } from "./training/progress.js";
import { createDataParallel } from "./training/data-parallel.js";
import { createRunController } from "./training/run-controller.js";
import { showButtons } from "./training/train-buttons.js";
import { createModelView } from "./training/model-view.js";
import { createSettingsPanel } from "./training/settings-panel.js";
import { createCodePanel } from "./code/panel.js";
import { drafts as codeDrafts } from "./code/drafts.js";
import { readView } from "./state/view.js";
import { applyView, connectToHost, untilSeen } from "./embed/embed.js";
import { clearNotice, notify, notifyLink, plain, setStatus } from "./shell/status.js";
import { createOutbox } from "./embed/outbox.js";
import { createCourseHooks } from "./course/hooks.js";
import { createStepList } from "./shell/step-list.js";
import { wireModelFiles } from "./training/model-files.js";
import { createInspectPanel } from "./inspect/panel.js";
import { startPlayground } from "./playground/playground.js";
import { createRunEvents } from "./training/run-events.js";
import { createAugmentPreview } from "./training/augment-preview.js";
import { createMyDigits } from "./draw/my-digits.js";
import { startViews, viewOfLink } from "./shell/views.js";
import { followLinks } from "./shell/link-changes.js";
import { startOffline } from "./shell/offline.js";

const STEPS = [
  { id: "runtime", label: "Python runtime (Pyodide)" },
  { id: "numpy", label: "NumPy" },
  { id: "code", label: "ScratchNet code" },
  { id: "data", label: "MNIST digits" },
  { id: "model", label: "Pretrained model" },
];
const CODE_CALL_LIMIT_MS = 5000; // a training chunk with the learner's code that runs longer was stuck
const REBUILD_HINT = "If you built this site yourself, run `python3 build.py build` and reload. Otherwise try reloading the page.";
const NETWORK_HINT = "Check your connection and reload the page. If it keeps failing, the site may be down.";
const MISSING_HINT = "The site does not have this file: if you built this site yourself, run `python3 build.py build` and reload. Otherwise it may be only partly uploaded; try again later.";

const $ = (id) => document.getElementById(id);

const app = {
  loaded: false,
  failed: false,
  view: null, // what the URL asks the page to show (panels, hidden parts, locks, embed)
};

let client;
let controller;
let modelView;
let settingsPanel;
let codePanel;
let drawPanel;
let progress;
let outbox;
let inspector;
let augmentPreview;
let myDigits;
let runEvents;
let workers; // the helpers that share training (data-parallel.js)
let host;
let course; // the coach, run history, lessons, export and course-page commands (course-hooks.js)

/** Start the app: build the static parts, boot the worker, then wire everything up. */
export async function start() {
  const { view, problems } = readView(location.hash);
  app.view = view;
  applyView(view);
  startViews($("view-nav"), view, { name: viewOfLink(view, location.hash), changed: (name) => {
    view.name = name;
    settingsPanel?.writeHash(); // the hash in its usual order, as a shared link has it
  } });
  problems.forEach(notifyLink);
  followLinks({ view, notifyLink, settingsPanel: () => settingsPanel, course: () => course, inspector: () => inspector });
  host = connectToHost(view);
  outbox = createOutbox(host, $("announcer"));
  const updateStep = createStepList($("loading-steps"), STEPS);
  client = createWorkerClient((step) => {
    updateStep(step);
    if (!app.loaded && !app.failed) {
      const label = STEPS.find((s) => s.id === step.id).label;
      setStatus("loading", step.state === "active" ? `Loading: ${label}…` : "Loading…");
    }
  });
  client.onDied = (err) => restartWorker(err); // a worker that ran too long, exited or grew too big
  if (app.view.embed && window.parent !== window) await untilSeen(() => setStatus("waiting", "Starts when you scroll here"));
  // Python starts first; the page builds its panels while it boots.
  const booting = client.boot();
  booting.catch(() => {}); // awaited below
  progress = createProgressView();
  drawPanel = createDrawPanel(client, {
    report: (err) => report(err), outbox, plain, onInk: () => {
      inspector?.inkChanged();
      myDigits?.inkChanged();
    },
  });
  let booted;
  try {
    booted = await booting;
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
  augmentPreview = createAugmentPreview(client, $("augment-preview"), report);
  codePanel = createCodePanel(client, {
    report, post: (type, fields) => outbox.post(type, fields), changed: () => settingsPanel.refresh(), train: () => train(),
  });
  runEvents = createRunEvents({
    client, progress, modelView, drawPanel, codePanel, outbox, notify, clearNotice, report, weightsChanged,
    settings: () => settingsPanel.current(), course: () => course, inspector: () => inspector,
  });
  workers = createDataParallel(client, { onWorkers: showWorkers });
  controller = createRunController(client, {
    onModel, onRun, onEvents: runEvents.onEvents, onState, onError: report,
    callOptions: () => (codePanel.inUse() ? { timeoutMs: CODE_CALL_LIMIT_MS } : {}),
    trainChunk: (budgetMs, options) => workers.trainChunk(budgetMs, settingsPanel.current().config.workers ?? 1, options),
  });
  settingsPanel = createSettingsPanel(info, app.view, {
    validate: (config) => client.validate({ config }),
    onChange: updateButtons,
    notify: notifyLink,
    extraParams: () => ({ code: codeDrafts.param(codePanel.drafts()) }),
  });
  inspector = createInspectPanel(client, {
    view: app.view, info, ink: drawPanel.ink, modelId: () => modelView.current().id,
    notify: (text) => notify($("notice").hidden ? text : `${$("notice-text").textContent} ${text}`), report,
  });
  wireButtons();
  myDigits = createMyDigits(client, controller, { ink: drawPanel.ink, report, plain, replaced: () => progress.reset() });
  startPlayground(client, { notifyLink, notify, report }).catch(report);
  course = createCourseHooks({
    info, view: app.view, client, controller, settingsPanel, progress, outbox, host, notify, report, train,
    reset: () => replaceModel(() => controller.reset(), { fresh: true }), model: () => modelView.current(),
  });
  app.loaded = true;
  startOffline(); // after the boot, so that keeping the files for offline use never slows it
  drawPanel.start();
  onModel(info.model);
  onState("idle");
  outbox.ready();
  codePanel.start(app.view).catch(report);
}

// ---------- status, notices, errors ----------

// A failure during loading: nothing more can run.
function fail(err) {
  app.failed = true;
  if (err instanceof DownloadError) showFatal(`A file failed to download. ${plain(err)}`, err.answered ? MISSING_HINT : NETWORK_HINT);
  else showFatal(`Python could not be started. ${plain(err)}`, REBUILD_HINT);
}

// A failed call: a dead worker is restarted with the session brought back; anything else is shown.
function report(err) {
  if (err instanceof WorkerDiedError) restartWorker(err);
  else notify(plain(err));
}

let restarting = null;
function restartWorker(err) {
  if (restarting) return;
  setStatus("restarting", "Restarting Python…");
  notify(`${err.message} Python is being restarted; your model and settings are brought back` +
    (codePanel?.inUse() ? ", and the network runs the reference code again (your code stays in the editor)." : "."));
  restarting = client.restart()
    .then(({ model }) => {
      restarting = null;
      onModel(model);
      weightsChanged(); // what failed to be read (a drawing, a trace) is read again, by the reference
      onState("idle");
    })
    .catch((failure) => {
      restarting = null;
      fail(failure);
    });
}

// ---------- the model and the run ----------

function onModel(summary) {
  if (modelView.set(summary)) weightsChanged();
  codePanel.setModel(summary);
  if (course) course.onModel(summary);
  updateButtons();
}

// How many workers train now (data-parallel.js).
function showWorkers(count) {
  const shown = $("workers-in-use");
  shown.dataset.value = String(count);
  shown.textContent = String(count);
}

// A training answer in which only the run's position moved (the rest of the summary is as it was).
function onRun(run) {
  modelView.setRun(run);
}

// The model's weights changed (a new model, a step, an epoch): the drawing is read again, and the
// inspector re-reads them once the clicks queued up have been carried out (a burst of them costs
// one trace, not one each).
function weightsChanged() {
  drawPanel.reread();
  refreshInspector();
}

let inspectorBehind = false;
function refreshInspector() {
  if (!inspector) return;
  inspectorBehind = controller.busy() && controller.state() !== "training";
  if (!inspectorBehind) inspector.refresh();
}

const STATUS_TEXT = { idle: "Ready", training: "Training…", stopping: "Stopping…", finished: "Ready", diverged: "Ready" };

function onState(state) {
  const setUp = controller?.starting() && state !== "training";
  // While Python restarts, the status says so until it is back (a call that failed meanwhile does not say "Ready").
  if (!restarting) setStatus(state === "training" || state === "stopping" || setUp ? "training" : "ready",
    setUp ? "Setting up the run…" : STATUS_TEXT[state]);
  // Whether anything the learner asked for is still under way (for tests and assistive tech).
  document.querySelector("[data-testid=status]").dataset.busy = String(controller ? controller.busy() : false);
  if (state === "training") runEvents.chunkStarted();
  if (inspectorBehind && !controller.busy()) refreshInspector();
  if (course) course.onState(state);
  updateButtons();
}

function updateButtons() {
  if (!controller || !settingsPanel) return;
  const settings = settingsPanel.current();
  showButtons(controller, settings);
  if (!settings.errors.augment) augmentPreview.show(settings.config.augment);
  if (!settings.errors.workers) workers.prepare(settings.config.workers);
}

async function train() {
  clearNotice();
  const { config, errors } = settingsPanel.current();
  if (Object.keys(errors).length && !controller.canResume(config)) return updateButtons();
  try {
    if (codePanel.inUse()) await client.saveCheckpoint(); // a stuck chunk costs a restart, not the run
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
    else if (!controller.busy()) {
      // One step changed the weights: the charts have its point; the weights and the inspector
      // follow (after the last of several queued clicks).
      modelView.refreshWeights();
      refreshInspector();
    }
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

function wireButtons() {
  $("train").addEventListener("click", train);
  $("stop").addEventListener("click", () => controller.stop());
  $("step").addEventListener("click", step);
  $("reset").addEventListener("click", () => replaceModel(() => controller.reset(), { fresh: true }));
  $("pretrained").addEventListener("click", () => replaceModel(() => controller.usePretrained()));
  wireModelFiles({ client, controller, current: () => modelView.current(), notify, clearNotice, report, progress });
  $("notice-close").addEventListener("click", clearNotice);
}
