// The one settings object and the view around it, and how both round-trip through the URL hash
// ("#recipe=default&learning_rate=0.01&panels=draw,train"). It knows nothing of the page or the
// worker. Reading is strict: a value that does not parse is refused with a reason in plain words,
// and the caller keeps its default. Nothing read here is ever evaluated or treated as markup.

import { EXERCISES } from "./code-drafts.js";

const INT = /^[+-]?\d+$/;
const INDEX = /^\d{1,9}$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const LAYER = /^[a-z]+(:[0-9.]+){0,2}$/i;

/** The panels a page can show, in page order. */
export const PANELS = ["draw", "train", "code", "eval", "inspect", "weights", "playground"];
/** Prefixes of hash keys that belong to a panel's own settings (the 2-D playground's pg_noise, ...):
 * read and written with a prefix, and left alone by the main settings. */
export const KEY_PREFIXES = ["pg_"];
/** Parts of the page that `hide=` can remove, besides single settings (by their names). */
export const PARTS = ["recipe", "settings", "model", "charts", "activations", "share"];
// Hash keys that describe the view rather than the training settings.
const VIEW_KEYS = ["embed", "panels", "hide", "lock", "host", "id", "exercise", "code", "inspect", "lesson", "lesson_step", "layout"];
/** The layouts of the training panel: "compact" for a small frame (see style.css). */
export const LAYOUTS = ["full", "compact"];
const LESSON = /^[a-z0-9][a-z0-9-]{0,39}$/; // a lesson's name: its file in lessons/, no path
const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const SHOWN_MAX = 40; // longest piece of a refused value quoted back in a notice
const SHOWN_PROBLEMS = 5; // problems a notice lists before "and N more": a hostile link stays one line
const MAX_LIST_NAMES = 64; // names hide= or lock= may give: more than the page has parts and settings

// Does hash key `key` belong to the settings read with `prefix` ("" for the main settings and the view)?
const owns = (prefix, key) => (prefix ? key.startsWith(prefix) : !KEY_PREFIXES.some((p) => key.startsWith(p)));

/** Create the settings object from the bridge's default config. */
export function createSettings(defaultConfig, recipe = "") {
  return { recipe, config: structuredClone(defaultConfig) };
}

/** The view of a plain, standalone page: every panel, nothing hidden or locked. */
export function defaultView() {
  return {
    embed: false, panels: [...PANELS], hide: [], lock: [], host: "", id: "", exercises: [], inspect: null,
    lesson: "", lessonStep: 0, layout: "full",
  };
}

/** Write a value the way a person would type it into its control ("256,128", "0.001"). */
export function formatValue(value) {
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

function rangeText(field) {
  const hasMin = field.min !== null && field.min !== undefined;
  const hasMax = field.max !== null && field.max !== undefined;
  if (hasMin && hasMax) return `between ${field.min} and ${field.max}`;
  if (hasMin) return `at least ${field.min}`;
  if (hasMax) return `at most ${field.max}`;
  return "";
}

function checkRange(field, value) {
  if (field.min !== null && field.min !== undefined && value < field.min) return false;
  if (field.max !== null && field.max !== undefined && value > field.max) return false;
  return true;
}

/** Parse what was typed into a field: {value} when it is valid, else {error} in plain words. */
export function parseField(field, text) {
  const raw = String(text).trim();
  const range = rangeText(field);
  if (field.type === "choice") {
    return field.choices.includes(raw) ? { value: raw } : { error: `Choose one of: ${field.choices.join(", ")}.` };
  }
  if (field.type === "multi") {
    // Some of the choices, as "x1,x2,sin_x1"; kept in the choices' order.
    const parts = raw.split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (!parts.length || !parts.every((p) => field.choices.includes(p))) return { error: `Choose one or more of: ${field.choices.join(", ")}.` };
    return { value: field.choices.filter((c) => parts.includes(c)) };
  }
  if (field.type === "layers") {
    // Checked in full by Python; here only the shape of each piece ("dense:128", "relu", "conv:8:5").
    const parts = raw.split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (!parts.every((p) => LAYER.test(p))) return { error: "Write layers like dense:128, relu, dropout:0.2, conv:8:5, maxpool:2, separated by commas (or leave it empty)." };
    return { value: parts.join(",").toLowerCase() };
  }
  if (raw === "") return { error: "This needs a value." };
  if (field.type === "int") {
    const value = Number(raw);
    if (!INT.test(raw) || !Number.isSafeInteger(value)) return { error: `Enter a whole number${range ? " " + range : ""}.` };
    if (!checkRange(field, value)) return { error: `Must be ${range}.` };
    return { value };
  }
  if (field.type === "float") {
    const value = Number(raw);
    if (!FLOAT.test(raw) || !Number.isFinite(value)) return { error: `Enter a number${range ? " " + range : ""}, like 0.01 or 1e-3.` };
    if (!checkRange(field, value)) return { error: `Must be ${range}.` };
    return { value };
  }
  if (field.type === "int_list") {
    const parts = raw.split(/[\s,]+/).filter((p) => p !== "");
    const each = range ? `, each ${range}` : "";
    if (parts.length === 0 || !parts.every((p) => INT.test(p))) {
      return { error: `Enter one or more whole numbers separated by commas${each} (e.g. 128 or 256,128).` };
    }
    if (field.max_items && parts.length > field.max_items) return { error: `At most ${field.max_items} layers.` };
    const value = parts.map(Number);
    if (!value.every((v) => checkRange(field, v))) return { error: `Every layer size must be ${range}.` };
    return { value };
  }
  return { error: `Unknown setting type "${field.type}".` };
}

/** Check what was typed into `field`: its valid value goes into `config`, or the reason it was
 * refused into `errors` (each keyed by the field's name). Returns the reason, or "". */
export function checkInto(field, text, config, errors) {
  const result = parseField(field, text);
  if ("error" in result) {
    errors[field.name] = result.error;
    delete config[field.name];
    return result.error;
  }
  delete errors[field.name];
  config[field.name] = result.value;
  return "";
}

// A piece of the URL quoted back to the reader: shortened, never interpreted.
function quote(text) {
  const s = String(text);
  return JSON.stringify(s.length > SHOWN_MAX ? s.slice(0, SHOWN_MAX) + "…" : s);
}

// At most SHOWN_PROBLEMS problems, then one line counting the rest.
function capped(problems) {
  if (problems.length <= SHOWN_PROBLEMS) return problems;
  const more = problems.length - SHOWN_PROBLEMS;
  return [...problems.slice(0, SHOWN_PROBLEMS), `…and ${more} more ${more === 1 ? "problem" : "problems"} with the link, refused the same way.`];
}

// The hash's parameters, with keys given more than once refused (which one would be meant?).
function readParams(hash, problems) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ""));
  const values = new Map();
  const repeated = new Set();
  for (const [key, value] of params) {
    if (values.has(key)) repeated.add(key);
    values.set(key, value);
  }
  for (const key of repeated) {
    problems.push(`The link gives ${quote(key)} more than once; none of its values is used.`);
    values.delete(key);
  }
  return values;
}

// A comma-separated list of names; null when any item is not a plain name.
function nameList(text) {
  const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return items.every((s) => NAME.test(s)) ? [...new Set(items)] : null;
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
    if (!list || !list.length || unknown.length) {
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
    if (list && list.length && list.every((name) => EXERCISES.includes(name))) view.exercises = list;
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

/**
 * Read the training settings from a URL hash: {recipe, values, problems}. values holds only the
 * settings that parsed; each refused one is named in problems, and its control keeps the default.
 * With a `prefix` (one of KEY_PREFIXES), only the keys that start with it are read, as the
 * names after it; without, those keys are left alone. `recipes` may be null (there are none).
 */
export function readSettings(hash, schema, recipes, prefix = "") {
  const problems = [];
  const params = readParams(hash, []); // repeated keys were already reported by readView
  const fields = Object.fromEntries(schema.map((f) => [f.name, f]));
  const values = {};
  let recipe = "";
  for (const [key, text] of params) {
    if ((!prefix && VIEW_KEYS.includes(key)) || !owns(prefix, key)) continue;
    const name = key.slice(prefix.length);
    if (name === "recipe" && recipes) {
      if (Object.hasOwn(recipes, text)) recipe = text;
      else problems.push(`The link asks for the recipe ${quote(text)}, which does not exist (choose one of ${Object.keys(recipes).join(", ")}); the default settings are used.`);
    } else if (Object.hasOwn(fields, name)) {
      const result = parseField(fields[name], text);
      if ("error" in result) {
        const label = prefix ? `${fields[name].label || name} (${key})` : fields[name].label || key;
        problems.push(`The link sets ${label} to ${quote(text)}, which was refused: ${result.error} The default is kept.`);
      } else {
        values[name] = result.value;
      }
    } else {
      problems.push(`The link has ${quote(key)}, which is not a setting; it was ignored.`);
    }
  }
  return { recipe, values, problems: capped(problems) };
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
  if (view.exercises && view.exercises.length) params.set("exercise", view.exercises.join(","));
  if (view.inspect !== null && view.inspect !== undefined) params.set("inspect", String(view.inspect));
  if (view.lesson) params.set("lesson", view.lesson);
  if (view.lesson && view.lessonStep) params.set("lesson_step", String(view.lessonStep));
  if (view.layout && view.layout !== plain.layout) params.set("layout", view.layout);
  return params;
}

/**
 * Encode settings and view as a URL hash, listing only what differs from the defaults. With a
 * `prefix`, the settings' keys carry it and the view is left out; `keep` (a hash) gives the keys
 * that belong to other settings, which are kept as they are; `extra` adds parameters of the main
 * page's own (e.g. the learner's code).
 */
export function settingsToHash(settings, defaultConfig, view = defaultView(), { prefix = "", keep = "", extra = {} } = {}) {
  const params = new URLSearchParams();
  if (settings.recipe) params.set(prefix + "recipe", settings.recipe);
  for (const [name, value] of Object.entries(settings.config)) {
    if (formatValue(value) !== formatValue(defaultConfig[name])) params.set(prefix + name, formatValue(value));
  }
  if (!prefix) viewToParams(view, params);
  for (const [key, value] of new URLSearchParams(String(keep).replace(/^#/, ""))) {
    if (!owns(prefix, key) && !params.has(key)) params.append(key, value);
  }
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  const text = params.toString().replaceAll("%2C", ",");
  return text ? "#" + text : "";
}
