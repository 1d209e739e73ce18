// The training controls, built from the schema the Python bridge returns, so the page and the
// trainer agree on names, types and limits. A value is checked as it is typed: an invalid one is
// refused at its control with the reason shown beside it, and never reaches the trainer.

import { formatValue } from "./state.js";

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

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

/**
 * Build one control per schema field inside `container`, plus the recipe picker `recipeSelect`.
 * onChange({config, errors, recipe}) runs after every edit; config holds only valid values.
 */
export function buildControls(container, recipeSelect, schema, recipes, { onChange }) {
  const inputs = {};
  const errorEls = {};
  const errors = {};
  const config = {};
  const CUSTOM = "";

  for (const field of schema) {
    const id = `field-${field.name}`;
    const wrap = document.createElement("div");
    wrap.className = "field";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = field.label || field.name;
    let input;
    if (field.type === "choice") {
      input = document.createElement("select");
      for (const choice of field.choices) input.append(new Option(choice, choice));
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.inputMode = field.type === "float" ? "decimal" : field.type === "int" ? "numeric" : "text";
      input.autocomplete = "off";
      input.spellcheck = false;
    }
    input.id = id;
    input.name = field.name;
    input.dataset.testid = id;
    const help = document.createElement("small");
    help.className = "help";
    help.id = `${id}-help`;
    help.textContent = field.help || "";
    const error = document.createElement("small");
    error.className = "field-error";
    error.id = `${id}-error`;
    error.dataset.testid = `${id}-error`;
    input.setAttribute("aria-describedby", `${id}-help ${id}-error`);
    wrap.append(label, input, help, error);
    container.append(wrap);
    inputs[field.name] = input;
    errorEls[field.name] = error;
    input.addEventListener(field.type === "choice" ? "change" : "input", () => {
      check(field);
      recipeSelect.value = matchingRecipe();
      changed();
    });
  }

  recipeSelect.append(new Option("Custom settings", CUSTOM));
  for (const name of Object.keys(recipes)) recipeSelect.append(new Option(name, name));
  recipeSelect.addEventListener("change", () => {
    if (recipeSelect.value !== CUSTOM) {
      fill(recipes[recipeSelect.value]);
      changed();
    }
  });

  function check(field) {
    const result = parseField(field, inputs[field.name].value);
    if ("error" in result) {
      errors[field.name] = result.error;
      delete config[field.name];
    } else {
      delete errors[field.name];
      config[field.name] = result.value;
    }
    show(field.name, errors[field.name] || "");
  }

  function show(name, message) {
    errorEls[name].textContent = message;
    inputs[name].setAttribute("aria-invalid", message ? "true" : "false");
  }

  function fill(values) {
    for (const field of schema) {
      if (field.name in values) inputs[field.name].value = formatValue(values[field.name]);
      check(field);
    }
  }

  function matchingRecipe() {
    if (Object.keys(errors).length) return CUSTOM;
    for (const [name, recipe] of Object.entries(recipes)) {
      if (schema.every((f) => formatValue(recipe[f.name]) === formatValue(config[f.name]))) return name;
    }
    return CUSTOM;
  }

  function changed() {
    onChange({ config: { ...config }, errors: { ...errors }, recipe: recipeSelect.value });
  }

  return {
    /** Fill the controls from a config (values) and optional raw typed texts, then pick the recipe. */
    set(values, texts = {}) {
      fill(values);
      for (const field of schema) {
        if (field.name in texts) {
          inputs[field.name].value = texts[field.name];
          check(field);
        }
      }
      recipeSelect.value = matchingRecipe();
      changed();
    },
    /** Select a recipe by name and fill its values in. */
    useRecipe(name) {
      if (!(name in recipes)) return;
      recipeSelect.value = name;
      fill(recipes[name]);
      changed();
    },
    /** Show errors reported by the Python side ({field: message}) at their controls; returns
     * the messages that belong to no control. */
    showErrors(pythonErrors) {
      const general = [];
      for (const [name, message] of Object.entries(pythonErrors)) {
        if (name in inputs) {
          errors[name] = message;
          show(name, message);
        } else {
          general.push(`${name}: ${message}`);
        }
      }
      changed();
      return general;
    },
    /** The current valid config and the errors blocking it. */
    current: () => ({ config: { ...config }, errors: { ...errors }, recipe: recipeSelect.value }),
  };
}
