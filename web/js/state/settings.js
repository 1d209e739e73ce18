// The one settings object, and how it round-trips through the URL hash with the view around it
// (view.js): "#recipe=default&learning_rate=0.01&panels=draw,train". It knows nothing of the page
// or the worker. Reading is strict: a value that does not parse is refused with a reason in plain words,
// and the caller keeps its default. Nothing read here is ever evaluated or treated as markup.

import { capped, quote, readParams } from "./url-params.js";
import { defaultView, VIEW_KEYS, viewToParams } from "./view.js";

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const LAYER = /^[a-z]+(:[0-9.]+){0,2}$/i;

/** Prefixes of hash keys that belong to a panel's own settings (the 2-D playground's pg_noise, ...):
 * read and written with a prefix, and left alone by the main settings. */
export const KEY_PREFIXES = ["pg_"];

// Does hash key `key` belong to the settings read with `prefix` ("" for the main settings and the view)?
const owns = (prefix, key) => (prefix ? key.startsWith(prefix) : !KEY_PREFIXES.some((p) => key.startsWith(p)));

/** Create the settings object from the bridge's default config. */
export function createSettings(defaultConfig, recipe = "") {
  return { recipe, config: structuredClone(defaultConfig) };
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

// "none", or name:strength items such as "shift:2,rotate:10", each name once, each strength a plain
// number from 0 to its limit (field.limits); written back in the limits' order, as Python does.
const AUGMENT_ITEM = /^([a-z]+):([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))$/;
function parseAugment(field, raw) {
  if (raw === "none") return { value: raw };
  const names = Object.keys(field.limits);
  const limits = names.map((name) => `${name} up to ${field.limits[name]}`).join(", ");
  const refused = { error: `Write none, or augmentations with their strengths separated by commas, e.g. shift:2,rotate:10 (${limits}).` };
  const spec = {};
  for (const item of raw.split(",")) {
    const match = AUGMENT_ITEM.exec(item);
    if (!match || !names.includes(match[1]) || match[1] in spec) return refused;
    const strength = Number(match[2]);
    if (!(strength >= 0 && strength <= field.limits[match[1]])) return refused;
    spec[match[1]] = strength;
  }
  return { value: names.filter((name) => name in spec).map((name) => `${name}:${String(spec[name] + 0)}`).join(",") };
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
  if (field.type === "augment") return parseAugment(field, raw);
  if (field.type === "workers") {
    // auto, or a whole number of workers in range (Python reads the same: tests/settings_cases.json)
    if (raw === "auto") return { value: raw };
    const value = Number(raw);
    if (!/^\+?\d+$/.test(raw) || !checkRange(field, value)) return { error: `Write auto, or a whole number of workers ${range}.` };
    return { value };
  }
  if (raw === "") return { error: "This needs a value." };
  if (field.type === "int") {
    const value = Number(raw);
    if (!INT.test(raw) || !Number.isSafeInteger(value)) return { error: `Enter a whole number${range ? ` ${range}` : ""}.` };
    if (!checkRange(field, value)) return { error: `Must be ${range}.` };
    return { value };
  }
  if (field.type === "float") {
    const value = Number(raw);
    if (!FLOAT.test(raw) || !Number.isFinite(value)) return { error: `Enter a number${range ? ` ${range}` : ""}, like 0.01 or 1e-3.` };
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

/**
 * Encode settings and view as a URL hash, listing only what differs from the defaults. With a
 * `prefix`, the settings' keys carry it and the view is left out; `keep` (a hash) gives the keys
 * that belong to other settings, which are kept as they are; `extra` adds parameters of the main
 * page's own (e.g. the learner's code).
 */
export function settingsToHash(settings, defaultConfig, view = defaultView(), { prefix = "", keep = "", extra = {} } = {}) {
  const params = new URLSearchParams();
  if (settings.recipe) params.set(`${prefix}recipe`, settings.recipe);
  for (const [name, value] of Object.entries(settings.config)) {
    if (formatValue(value) !== formatValue(defaultConfig[name])) params.set(prefix + name, formatValue(value));
  }
  if (!prefix) viewToParams(view, params);
  for (const [key, value] of new URLSearchParams(String(keep).replace(/^#/, ""))) {
    if (!owns(prefix, key) && !params.has(key)) params.append(key, value);
  }
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  const text = params.toString().replaceAll("%2C", ",");
  return text ? `#${text}` : "";
}
