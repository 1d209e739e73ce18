// Checking a lesson document before anything of it is used: its shape against the lesson schema
// (lessons/lesson.schema.json, through json-schema.js; it also lists the exercises a step may
// open), then its meaning against the page's own settings: every setting name and value, recipe,
// locked or hidden name and goal bound. It knows nothing of the page; the tests run it under Node
// on the shipped lessons.

import { validate } from "../state/json-schema.js";
import { formatValue, parseField } from "../state/settings.js";
import { PARTS } from "../state/view.js";

const MAX_PROBLEMS = 8;
const NUMERIC = ["int", "float"];

// Does a JSON value have the natural type of its setting (numbers, a list of whole numbers, text)?
function naturalType(field, value) {
  if (NUMERIC.includes(field.type)) return typeof value === "number";
  if (field.type === "int_list") return Array.isArray(value) && value.every(Number.isInteger);
  return typeof value === "string";
}

function checkBounds(bounds, where, problems, limits = null) {
  if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
    problems.push(`${where}: min ${bounds.min} is above max ${bounds.max}`);
  }
  if (limits) {
    for (const v of [bounds.min, bounds.max]) {
      if (v !== undefined && (v < limits[0] || v > limits[1])) problems.push(`${where}: ${v} is outside ${limits[0]} to ${limits[1]}`);
    }
  }
}

/**
 * Check `lesson` (parsed JSON) against `lessonSchema` and the page's settings `schema` (the
 * bridge's list of fields) and `recipes`. Returns {problems}: an empty list when the lesson can
 * be used, else at most a few plain-words problems, each naming its step and setting.
 */
export function checkLesson(lesson, lessonSchema, schema, recipes) {
  const problems = validate(lessonSchema, lesson);
  if (problems.length) return { problems };
  const fields = Object.fromEntries(schema.map((f) => [f.name, f]));
  const names = Object.keys(fields);
  lesson.steps.forEach((step, i) => {
    const where = (what) => `step ${i + 1} ("${step.title.slice(0, 40)}"): ${what}`;
    if (step.recipe !== undefined && !Object.hasOwn(recipes, step.recipe)) {
      problems.push(where(`the recipe "${step.recipe}" does not exist (there are ${Object.keys(recipes).join(", ")})`));
    }
    for (const [name, value] of Object.entries(step.settings || {})) {
      const field = Object.hasOwn(fields, name) ? fields[name] : null;
      if (!field) {
        problems.push(where(`"${name}" is not a setting`));
        continue;
      }
      const parsed = parseField(field, formatValue(value));
      if (!naturalType(field, value)) problems.push(where(`${name} must be ${field.type === "int_list" ? "a list of whole numbers" : NUMERIC.includes(field.type) ? "a number" : "text"}`));
      else if ("error" in parsed) problems.push(where(`${name}: ${parsed.error}`));
    }
    for (const name of step.lock || []) {
      if (!["all", "recipe", ...names].includes(name)) problems.push(where(`lock names "${name}", which is not a setting`));
    }
    for (const name of step.hide || []) {
      if (![...PARTS, ...names].includes(name)) problems.push(where(`hide names "${name}", which is neither a setting nor a part of the page`));
    }
    const goal = step.goal;
    if (goal) {
      if (goal.test_accuracy) checkBounds(goal.test_accuracy, where("goal.test_accuracy"), problems, [0, 1]);
      for (const [name, bounds] of Object.entries(goal.settings || {})) {
        if (!fields[name] || !NUMERIC.includes(fields[name].type)) problems.push(where(`goal.settings names "${name}", which is not a numeric setting`));
        else checkBounds(bounds, where(`goal.settings.${name}`), problems);
      }
    }
  });
  return { problems: problems.slice(0, MAX_PROBLEMS) };
}

/** The settings a step starts from: its recipe's (or `defaults`), then its own. */
export function stepConfig(step, recipes, defaults) {
  return { ...(step.recipe ? recipes[step.recipe] : defaults), ...(step.settings || {}) };
}

/** Does a run meet a goal? state: {config, testAccuracy, findings (condition names)}. */
export function goalMet(goal, { config, testAccuracy, findings }) {
  if (!goal || !config) return false;
  const within = (v, b) => v != null && (b.min === undefined || v >= b.min) && (b.max === undefined || v <= b.max);
  if (goal.test_accuracy && !within(testAccuracy, goal.test_accuracy)) return false;
  for (const [name, bounds] of Object.entries(goal.settings || {})) if (!within(config[name], bounds)) return false;
  if (goal.finding && !findings.includes(goal.finding)) return false;
  return true;
}
