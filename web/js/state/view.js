// The view around the settings: which panels a page shows, what it hides and locks, the lesson,
// the exercise and the test digit it opens with, the view of the full page, and the embedding (host, id); read from and
// written to the URL hash with the same strict reading as the settings (hash.js).

import { EXERCISES } from "../code/drafts.js";
import { capped, nameList, quote, readParams } from "./url-params.js";

const INDEX = /^\d{1,9}$/;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const LESSON = /^[a-z0-9][a-z0-9-]{0,39}$/; // a lesson's name: its file in lessons/, no path
const MAX_LIST_NAMES = 64; // names hide= or lock= may give: more than the page has parts and settings

/** The panels a page can show, in page order. */
export const PANELS = ["draw", "train", "code", "eval", "inspect", "weights", "playground"];
/** Parts of the page that `hide=` can remove, besides single settings (by their names). */
export const PARTS = ["recipe", "settings", "model", "charts", "activations", "share"];
// Hash keys that describe the view rather than the training settings.
export const VIEW_KEYS = ["embed", "panels", "hide", "lock", "host", "id", "exercise", "code", "inspect", "lesson", "lesson_step", "layout", "view"];
/** The views of the full page (shell/views.js), in the navigation's order; view=NAME opens one. */
export const VIEW_NAMES = ["draw", "train", "inside", "build", "lessons", "playground"];
/** The layouts of the training panel: "compact" for a small frame (see style.css). */
export const LAYOUTS = ["full", "compact"];

/** The view of a plain, standalone page: every panel, nothing hidden or locked. */
export function defaultView() {
  return {
    embed: false, panels: [...PANELS], hide: [], lock: [], host: "", id: "", exercises: [], inspect: null,
    lesson: "", lessonStep: 0, layout: "full", name: "",
  };
}

/**
 * Read the view from a URL hash: {view, problems}. The names in hide= and lock= are only checked
 * to be names here; checkViewNames() checks them against the settings once those are known.
 */
export function readView(hash) {
  const problems = [];
  const params = readParams(hash, problems);
  const view = defaultView();
  const refuse = (key, why, kept) => problems.push(`The link's ${key}=${quote(params.get(key))} was refused: ${why} ${kept}`);

  if (params.has("embed")) {
    const value = params.get("embed");
    if (value === "1" || value === "0") view.embed = value === "1";
    else refuse("embed", "use embed=1 for the compact layout or embed=0 for the full page.", "The full page is shown.");
  }
  if (params.has("panels")) {
    const list = nameList(params.get("panels"));
    const unknown = list ? list.filter((p) => !PANELS.includes(p)) : [];
    if (!list?.length || unknown.length) {
      refuse("panels", `choose from ${PANELS.join(", ")}, separated by commas.`, "All panels are shown.");
    } else {
      view.panels = PANELS.filter((p) => list.includes(p));
    }
  }
  for (const key of ["hide", "lock"]) {
    if (!params.has(key)) continue;
    const list = nameList(params.get(key));
    const kept = key === "hide" ? "Nothing is hidden." : "Nothing is locked.";
    if (!list) refuse(key, "give setting names separated by commas.", kept);
    else if (list.length > MAX_LIST_NAMES) refuse(key, `give at most ${MAX_LIST_NAMES} names, not ${list.length}.`, kept);
    else view[key] = list;
  }
  if (params.has("host")) {
    const value = params.get("host");
    let origin = "";
    try {
      const url = new URL(value);
      if ((url.protocol === "https:" || url.protocol === "http:") && url.origin === value.replace(/\/$/, "")) origin = url.origin;
    } catch {
      origin = "";
    }
    if (origin) view.host = origin;
    else refuse("host", "it must be an origin like https://course.example.org (no path).", "Messages go to any embedding page.");
  }
  if (params.has("id")) {
    const value = params.get("id");
    if (ID.test(value)) view.id = value;
    else refuse("id", "use up to 64 letters, digits, and - _ . :", "Messages carry no id.");
  }
  if (params.has("exercise")) {
    const list = nameList(params.get("exercise"));
    if (list?.length && list.every((name) => EXERCISES.includes(name))) view.exercises = list;
    else refuse("exercise", `choose from ${EXERCISES.join(", ")}, separated by commas.`, "No exercise is opened.");
  }
  if (params.has("inspect")) {
    const value = params.get("inspect");
    // The upper limit (the number of test digits) is checked once the data is loaded.
    if (INDEX.test(value) && Number.isSafeInteger(Number(value))) view.inspect = Number(value);
    else refuse("inspect", "give the number of a test digit, a whole number like inspect=42.", "Test digit 0 is shown.");
  }
  if (params.has("lesson")) {
    const value = params.get("lesson");
    if (LESSON.test(value)) view.lesson = value;
    else refuse("lesson", "a lesson's name has up to 40 lowercase letters, digits and dashes.", "No lesson is opened.");
  }
  if (params.has("lesson_step")) {
    const value = params.get("lesson_step");
    if (/^\d{1,2}$/.test(value)) view.lessonStep = Number(value);
    else refuse("lesson_step", "it must be a step number, counted from 0.", "The lesson opens at its first step.");
  }
  if (params.has("layout")) {
    const value = params.get("layout");
    if (LAYOUTS.includes(value)) view.layout = value;
    else refuse("layout", `choose ${LAYOUTS.join(" or ")}.`, "The full layout is used.");
  }
  if (params.has("view")) {
    const value = params.get("view");
    if (VIEW_NAMES.includes(value)) view.name = value;
    else refuse("view", `there is no view of that name: choose ${VIEW_NAMES.join(", ")}.`, "The drawing view is shown.");
  }
  return { view, problems: capped(problems) };
}

/**
 * Check the view's hide= and lock= names against the settings' names: {view, problems}, where
 * a list with an unknown name is refused as a whole (the default, nothing hidden or locked, kept).
 */
export function checkViewNames(view, fieldNames) {
  const problems = [];
  const checked = { ...view };
  const allowed = {
    hide: [...PARTS, ...fieldNames],
    lock: ["all", "recipe", ...fieldNames],
  };
  for (const key of ["hide", "lock"]) {
    const unknown = view[key].filter((name) => !allowed[key].includes(name));
    if (unknown.length) {
      problems.push(`The link's ${key}= names ${unknown.map(quote).join(", ")}, which ${unknown.length > 1 ? "are" : "is"} not ` +
        `${key === "hide" ? "a part of the page or a setting" : "a setting"}; ${key === "hide" ? "nothing is hidden" : "nothing is locked"}.`);
      checked[key] = [];
    }
  }
  return { view: checked, problems };
}

/** Encode the view (what differs from a standalone page) as URL parameters. */
export function viewToParams(view, params = new URLSearchParams()) {
  const plain = defaultView();
  if (view.embed) params.set("embed", "1");
  if (view.panels.join() !== plain.panels.join()) params.set("panels", view.panels.join(","));
  if (view.hide.length) params.set("hide", view.hide.join(","));
  if (view.lock.length) params.set("lock", view.lock.join(","));
  if (view.host) params.set("host", view.host);
  if (view.id) params.set("id", view.id);
  if (view.exercises?.length) params.set("exercise", view.exercises.join(","));
  if (view.inspect !== null && view.inspect !== undefined) params.set("inspect", String(view.inspect));
  if (view.lesson) params.set("lesson", view.lesson);
  if (view.lesson && view.lessonStep) params.set("lesson_step", String(view.lessonStep));
  if (view.layout && view.layout !== plain.layout) params.set("layout", view.layout);
  if (view.name && !view.embed) params.set("view", view.name);
  return params;
}
