// The parts of the page for learning and teaching, wired to the app: the health coach beside the
// charts, the run history, lessons, "Export experiment", and the commands a course page sends.
// main.js hands it the same callbacks it gets itself (models, events, states); everything here
// acts through the page's own settings panel, run controller and buttons.

import { createHealthView } from "../training/coach-view.js";
import { openHistoryStore } from "../training/history-store.js";
import { createRunHistory } from "../training/run-history.js";
import { createLessonView } from "./lesson-view.js";
import { parseField, formatValue } from "../state/settings.js";
import { saveFile } from "../widgets/save-file.js";
import { EVENT } from "../training/events.js";
import { showView } from "../shell/views.js";

const $ = (id) => document.getElementById(id);

/**
 * app: {info, view, client, controller, settingsPanel, progress, outbox, host, notify, report,
 * train(), reset(), model() (the model view's current summary, its run's position up to date)}.
 * Returns {onModel(summary), onEvents(events), onState(state)}.
 */
export function createCourseHooks(app) {
  const { info, view, client, controller, settingsPanel, progress, outbox, host, notify, report, train, reset } = app;
  const health = createHealthView($("health"));
  const fields = Object.fromEntries(info.schema.map((f) => [f.name, f]));
  let seen = null; // {id, step}: the model and run position of the last summary onModel was given
  let history = null;
  const pending = []; // what happened before the history store opened

  openHistoryStore().then((store) => {
    history = createRunHistory({
      store, list: $("run-list"), note: $("run-history-note"), schema: info.schema,
      onBackground: (runs) => progress.setBackground(runs),
    });
    if (!store.persistent) $("run-history-note").dataset.memory = "true";
    for (const [method, args] of pending.splice(0)) history[method](...args);
  });
  const record = (method, ...args) => (history ? history[method](...args) : pending.push([method, args]));
  $("clear-history").addEventListener("click", () => history?.clear());

  const lesson = createLessonView({
    info, view, settingsPanel, notify, onRun: train,
    validate: (config) => client.validate({ config }),
    post: (type, fields) => (type === "lessonStep" ? outbox.lessonStep(fields) : outbox.goalReached(fields)),
  });
  if (view.lesson) {
    const named = view.name; // a view the link names wins over the lesson's own
    lesson.open(view.lesson, view.lessonStep).then((opened) => opened && named && showView(named, { byLearner: true }));
  }
  listLessons();

  // The site's lessons, offered on the full page while none is open.
  async function listLessons() {
    if (view.embed) return;
    try {
      const response = await fetch(new URL("lessons/index.json", location.href));
      const lessons = response.ok ? await response.json() : [];
      const list = $("lesson-list");
      list.replaceChildren(...lessons.map(({ name, title }) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = `#lesson=${encodeURIComponent(name)}`;
        link.textContent = title;
        link.addEventListener("click", (event) => {
          event.preventDefault();
          lesson.open(name);
        });
        item.append(link);
        return item;
      }));
      $("lessons-nav").hidden = !lessons.length;
    } catch {
      $("lessons-nav").hidden = true; // the lessons are an extra: without their list the page works
    }
  }

  $("export-experiment").addEventListener("click", async () => {
    try {
      const bytes = await client.exportExperiment();
      const model = app.model();
      saveFile(bytes, `scratchnet-experiment-${model.layers.join("-")}-seed${model.config.seed}.zip`, "application/zip");
    } catch (err) {
      report(err);
    }
  });

  // A course page's command, carried out as the learner's own click or typing would be.
  host.onCommand(async (command) => {
    const refuse = (reason) => outbox.refused(command.type, reason);
    if (command.type === "set") {
      const values = {};
      for (const [name, value] of Object.entries(command.settings)) {
        if (!Object.hasOwn(fields, name)) return refuse(`"${name}" is not a setting`); // "constructor" is inherited, not a setting
        const parsed = parseField(fields[name], formatValue(value));
        if ("error" in parsed) return refuse(`${name}: ${parsed.error}`);
        values[name] = parsed.value;
      }
      if (controller.busy()) return refuse("a run is going: send stop first");
      settingsPanel.set(values);
    } else if (command.type === "train") {
      train();
    } else if (command.type === "stop") {
      controller.stop();
    } else if (command.type === "reset") {
      reset();
    } else if (command.type === "lesson") {
      if (controller.busy()) return refuse("a run is going: send stop first");
      const opened = command.lesson ? await lesson.openDocument(command.lesson, command.name, command.step)
        : await lesson.open(command.name, command.step);
      if (!opened) refuse("the lesson cannot be used (the page says why)");
    }
    return undefined;
  });

  return {
    /** The open lesson's {name, step}, or null. */
    openLesson: () => lesson.current(),
    /** A link's lesson, typed or pasted into the open tab: opened, moved to its step, or left. */
    async followLesson(name, step) {
      const open = lesson.current();
      if (!name) {
        if (open) lesson.close();
      } else if (!open || name !== open.name || step !== open.step) {
        if (controller.busy()) return notify(`The link's lesson "${name}" waits: stop the run first, then paste the link again.`);
        await lesson.open(name, step);
      }
      return undefined;
    },
    /** Every model summary from the worker. */
    onModel(summary) {
      const changed = !seen || summary.id !== seen.id;
      // The run went on with the code this summary names (switched on while it was paused, say).
      const trained = !changed && summary.run && seen.step !== null && summary.run.step > seen.step;
      seen = { id: summary.id, step: summary.run ? summary.run.step : null };
      health.show(summary.health, { hasRun: summary.run !== null });
      lesson.findings(summary.health || []);
      $("export-experiment").disabled = summary.run === null;
      if (changed) {
        record("detach");
        if (summary.run === null) progress.showCurves(summary.curves); // the model's own curves, from its file
      } else if (trained) {
        record("codeUsed", summary.code || []);
      }
    },
    /** Each chunk's training events. */
    onEvents(events) {
      const model = app.model();
      for (const event of events) {
        if (event.type === EVENT.started) {
          outbox.run(model.config);
          record("started", model.config, model.architecture, model.code || []);
          lesson.runStarted(model.config);
        } else if (event.type === EVENT.diverged) {
          progress.stopped();
        }
      }
      record("events", events);
      lesson.events(events);
      for (const event of events) {
        if (event.type === EVENT.diverged || event.type === EVENT.finished) record("ended", event.type);
      }
    },
    /** The run controller's state. */
    onState(state) {
      const model = app.model();
      lesson.setBusy(controller.busy() || controller.starting() || state === "training" || state === "stopping");
      if (state === "training") record("resumed");
      else if (state === "idle" && model && model.run && !model.run.finished) record("ended", "paused");
    },
  };
}
