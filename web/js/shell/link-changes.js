// A link typed or pasted into the address bar of the open tab (only the hash changed, so the
// browser does not reload): applied at once, read with the same strict checks as on opening, and
// anything refused named in a notice. The model, the run and the learner's code stay as they are.
// The page's own writes to the hash (history.replaceState) fire no "hashchange" and do not come here.
// What a link cannot change in an open tab: embed=, host= and id= (they belong to the frame a
// course page made) and the learner's code (code=, read when the page opens).

import { readView } from "../state/view.js";
import { applyView } from "../embed/embed.js";
import { showView, viewOfLink } from "./views.js";
import { newLink } from "./status.js";

const KEPT = ["embed", "host", "id"]; // fixed for the life of the page

/**
 * Follow the hash from now on. app: {view (the page's view object), notifyLink(text), and
 * settingsPanel(), course(), inspector(): the parts, or null while they are still loading}.
 */
export function followLinks(app) {
  window.addEventListener("hashchange", () => {
    newLink();
    apply(app, location.hash).catch((err) => app.notifyLink(`The link could not be applied: ${err.message}`));
  });
}

async function apply(app, hash) {
  const { view } = app;
  const read = readView(hash);
  const problems = [...read.problems];
  const next = read.view;
  const exercises = view.exercises.join();
  for (const key of Object.keys(next)) if (!KEPT.includes(key)) view[key] = next[key];
  showView(viewOfLink(next)); // a page without views has none to show
  if (next.exercises.length && next.exercises.join() !== exercises) {
    // The code panel opens an exercise when it hears this (as from a lesson's step).
    document.dispatchEvent(new CustomEvent("scratchnet:exercise", { detail: { exercise: next.exercises[0] } }));
  }
  const settings = app.settingsPanel();
  if (!settings) {
    applyView(view);
    problems.push("The page is still loading: reload it once it is ready to use the link's settings.");
    return app.notifyLink(problems.join(" "));
  }
  const course = app.course();
  if (!next.lesson && course) await course.followLesson("", 0); // the settings from before it come back first
  // The lesson open stays: its step's settings stay under the ones the link gives.
  const open = course?.openLesson();
  const staying = Boolean(open && open.name === next.lesson && open.step === next.lessonStep);
  problems.push(...settings.applyLink(hash, { over: staying }));
  applyView(view);
  if (next.inspect !== null) {
    const refused = app.inspector()?.openFromLink(next.inspect);
    if (refused) problems.push(refused);
  }
  if (problems.length) app.notifyLink(problems.join(" "));
  if (next.lesson && course) {
    await course.followLesson(next.lesson, next.lessonStep);
    if (next.name) showView(next.name, { byLearner: true }); // a view the link names wins over the lesson's own
  }
  return undefined;
}
