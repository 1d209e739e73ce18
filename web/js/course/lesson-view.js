// The lesson panel: a lesson (a small JSON document from the site's lessons/ folder, or sent by the
// course page) shown one step at a time. Each step sets the settings it starts from and what it
// locks and hides, shows its text (a safe Markdown subset, built without innerHTML), runs its
// training through the page's own Train, and checks its goal against the runs made in that step.
// A lesson is checked in full (lesson-check.js, then Python) before anything of it is used.
// Leaving it puts back the settings the page had before it opened.

import { renderMarkdown } from "./markdown.js";
import { checkLesson, goalMet, stepConfig } from "./lesson-check.js";
import { applyView } from "../embed/embed.js";
import { EVENT } from "../training/events.js";
import { showView, viewForPanels, viewsActive } from "../shell/views.js";

const MAX_LESSON_BYTES = 200_000;
const $ = (id) => document.getElementById(id);
const pct = (v) => `${(100 * v).toFixed(1)}%`;

async function fetchJson(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`${what} could not be downloaded (${err.message}).`);
  }
  if (!response.ok) throw new Error(`${what} is not on this site (the server answered ${response.status} ${response.statusText}).`.replace(" )", ")"));
  const text = await response.text();
  if (text.length > MAX_LESSON_BYTES) throw new Error(`${what} is ${text.length} characters long; at most ${MAX_LESSON_BYTES} are allowed.`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON (${err.message}).`);
  }
}

/**
 * info: the bridge's init() answer; view: the page's view (its lesson, lessonStep and panels are
 * kept up to date); settingsPanel; validate(config) asks Python; onRun() trains; notify(text);
 * post(type, fields) tells the course page. Returns the lesson's hooks for the wiring module.
 */
export function createLessonView({ info, view, settingsPanel, validate, onRun, notify, post }) {
  const card = $("lesson");
  const pagePanels = [...view.panels]; // the panels without a lesson
  const urlPanels = new URLSearchParams(location.hash.slice(1)).has("panels") ? pagePanels : null;
  let schemaPromise = null;
  let lesson = null; // {name, doc}
  let index = 0;
  let run = null; // the run started in this step: {config, testAccuracy, findings}
  let reached = false;
  let busy = false;
  let before = null; // the settings when the lesson opened, put back when it is left

  const lessonSchema = () => (schemaPromise ||= fetchJson(new URL("lessons/lesson.schema.json", location.href), "The lesson schema"));

  async function check(doc) {
    const { problems } = checkLesson(doc, await lessonSchema(), info.schema, info.recipes);
    if (problems.length) return problems;
    // Python has the last word on each step's settings.
    const results = await Promise.all(doc.steps.map((step) => validate(stepConfig(step, info.recipes, info.default_config))));
    const i = results.findIndex((result) => !result.ok);
    return i < 0 ? [] : Object.entries(results[i].errors).map(([name, why]) => `step ${i + 1}: ${name} ${why}`);
  }

  function showGoal(step) {
    const goal = $("lesson-goal");
    goal.hidden = !step.goal;
    goal.dataset.reached = step.goal ? String(reached) : "";
    if (!step.goal) return;
    goal.replaceChildren();
    const label = document.createElement("strong");
    label.textContent = "Goal: ";
    const state = document.createElement("span");
    state.className = "goal-state";
    state.textContent = reached ? " Reached ✓" : " Not yet";
    goal.append(label, document.createTextNode(step.goal.text), state);
  }

  function showMeasured(step) {
    const line = $("lesson-measured");
    const m = step.measured?.browser;
    line.hidden = !m;
    if (m) {
      line.textContent = `Measured when this lesson was written, in a browser like this one: ` +
        `${m.test_accuracy == null ? "no test accuracy (the run diverged)" : `${pct(m.test_accuracy)} test accuracy`}` +
        `${m.epochs ? ` after ${m.epochs} epochs` : ""}, ${Math.round(m.seconds)} s of training.`;
    }
  }

  function updateButtons() {
    const steps = lesson ? lesson.doc.steps.length : 0;
    $("lesson-prev").disabled = busy || index === 0;
    $("lesson-next").disabled = busy || index >= steps - 1;
    $("lesson-run").disabled = busy;
    $("lesson-run").textContent = busy ? "Training…" : run ? "Run this step again" : "Run this step";
  }

  function showStep(i) {
    const { doc, name } = lesson;
    index = Math.max(0, Math.min(i, doc.steps.length - 1));
    const step = doc.steps[index];
    run = null;
    reached = false;
    view.lessonStep = index;
    $("lesson-progress").textContent = `Lesson · step ${index + 1} of ${doc.steps.length}`;
    const box = $("lesson-step");
    box.dataset.step = String(index);
    $("lesson-step-title").textContent = step.title;
    $("lesson-text").replaceChildren(renderMarkdown(step.text));
    const exercise = $("lesson-exercise");
    exercise.hidden = !step.exercise;
    if (step.exercise) {
      exercise.replaceChildren(document.createTextNode("Exercise: write "), Object.assign(document.createElement("code"), { textContent: step.exercise }), document.createTextNode(" yourself in the code panel."));
      // The one hook for the code panel (the exercises): it opens the exercise when it hears this.
      document.dispatchEvent(new CustomEvent("scratchnet:exercise", { detail: { exercise: step.exercise } }));
    }
    showGoal(step);
    showMeasured(step);
    applyView({ ...view, hide: [...view.hide, ...(step.hide || [])] });
    settingsPanel.applyStep({ values: stepConfig(step, info.recipes, info.default_config), lock: step.lock, hide: step.hide });
    settingsPanel.writeHash();
    updateButtons();
    post("lessonStep", { lesson: name, step: index, steps: doc.steps.length, title: step.title });
  }

  function checkGoal() {
    const step = lesson?.doc.steps[index];
    if (!step?.goal || reached || !run || !goalMet(step.goal, run)) return;
    reached = true;
    showGoal(step);
    post("goalReached", { lesson: lesson.name, step: index, goal: step.goal.text });
  }

  $("lesson-prev").addEventListener("click", () => showStep(index - 1));
  $("lesson-next").addEventListener("click", () => showStep(index + 1));
  $("lesson-run").addEventListener("click", () => onRun());
  $("lesson-close").addEventListener("click", () => api.close());

  // A lesson that could not be opened is not kept in the URL (the one open before it stays).
  function forget() {
    view.lesson = lesson ? lesson.name : "";
    view.lessonStep = lesson ? index : 0;
  }

  const api = {
    /** Open a checked lesson document (from this site or the course page) at `step`: true if used. */
    async openDocument(doc, name, step = 0) {
      let problems;
      try {
        problems = await check(doc);
      } catch (err) {
        problems = [err.message];
      }
      if (problems.length) {
        notify(`The lesson "${name}" cannot be used: ${problems.join("; ")}.`);
        forget();
        return false;
      }
      if (!lesson) before = settingsPanel.current().config; // another lesson opened over one keeps the first's
      lesson = { doc, name };
      view.lesson = name;
      // A page with views opens the lesson beside the view of its panels; others show just those panels.
      if (viewsActive(view)) showView(viewForPanels(doc.panels) || "lessons", { byLearner: true });
      else view.panels = urlPanels || doc.panels || view.panels;
      card.hidden = false;
      $("lesson-title").textContent = doc.title;
      $("lesson-summary").textContent = doc.summary || "";
      $("lesson-summary").hidden = !doc.summary;
      showStep(step);
      return true;
    },
    /** Open the lesson lessons/<name>.json of this site. */
    async open(name, step = 0) {
      try {
        return await api.openDocument(await fetchJson(new URL(`lessons/${name}.json`, location.href), `The lesson "${name}"`), name, step);
      } catch (err) {
        notify(`${err.message} No lesson is open.`);
        forget();
        return false;
      }
    },
    /** Leave the lesson: its locks and hidden parts go, and the settings from before it come back. */
    close() {
      lesson = null;
      view.lesson = "";
      view.lessonStep = 0;
      view.panels = [...pagePanels];
      card.hidden = true;
      applyView(view);
      settingsPanel.applyStep({ values: before || settingsPanel.current().config });
      before = null;
      settingsPanel.writeHash();
    },
    /** Is a lesson open? */
    active: () => lesson !== null,
    /** The open lesson's name and step, or null. */
    current: () => (lesson ? { name: lesson.name, step: index } : null),
    /** A run started (its settings): the step's goal is checked against it from now on. */
    runStarted(config) {
      if (!lesson) return;
      run = { config, testAccuracy: null, findings: [] };
      updateButtons();
    },
    /** The trainer's events and the coach's findings, for the goal. */
    events(events) {
      if (!run) return;
      for (const e of events) if (e.type === EVENT.epoch && e.evaluated) run.testAccuracy = e.test_accuracy;
      checkGoal();
    },
    findings(findings) {
      if (!run) return;
      run.findings = findings.map((f) => f.condition);
      checkGoal();
    },
    /** Whether the page is busy (the lesson's buttons wait). */
    setBusy(value) {
      busy = value;
      if (lesson) updateButtons();
    },
  };
  return api;
}
