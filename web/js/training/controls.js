// The training controls, built from the schema the Python bridge returns, so the page and the
// trainer agree on names, types and limits. A value is checked as it is typed: an invalid one is
// refused at its control with the reason shown beside it, and never reaches the trainer.
// A course page or a lesson step can lock settings (shown, not editable) or hide them, and each
// lock says which of them set it; recipes leave both alone. A setting the others make irrelevant
// (momentum for plain SGD) is greyed out.

import { checkInto, formatValue } from "../state/settings.js";

/** The control for one schema field: a <select> for a choice, else a text field that brings up
 * the right keyboard on a phone. */
export function fieldInput(field) {
  if (field.type === "choice") {
    const select = document.createElement("select");
    for (const choice of field.choices) select.append(new Option(choice, choice));
    return select;
  }
  const input = document.createElement("input");
  input.type = "text";
  input.inputMode = field.type === "float" ? "decimal" : field.type === "int" ? "numeric" : "text";
  input.autocomplete = "off";
  input.spellcheck = false;
  return input;
}

/** The help line and the (empty) error line of a field's control: ids `${id}-help` and
 * `${id}-error`, the error's test id `${testid}-error`. */
export function fieldNotes(field, id, testid) {
  const help = document.createElement("small");
  help.className = "help";
  help.id = `${id}-help`;
  help.textContent = field.help || "";
  const error = document.createElement("small");
  error.className = "field-error";
  error.id = `${id}-error`;
  error.dataset.testid = `${testid}-error`;
  return [help, error];
}

/**
 * Build one control per schema field inside `container`, plus the recipe picker `recipeSelect`.
 * onChange({config, errors, recipe}) runs after every edit; config holds only valid values.
 * locked: setting names (or "all", "recipe") the learner cannot change; hidden: names not shown;
 * lockedBy: who locked them, in words ("this page's link"), for the notes beside them.
 */
export function buildControls(container, recipeSelect, schema, recipes, { onChange, locked = [], hidden = [], lockedBy = "this page's link" }) {
  const inputs = {};
  const errorEls = {};
  const notes = {};
  const errors = {};
  const config = {};
  const CUSTOM = "";
  const access = { locked, hidden, lesson: [] }; // lesson: what of `locked` the lesson's step locks
  const isLocked = (name) => access.locked.includes("all") || access.locked.includes(name);
  const byLesson = (name) => access.lesson.includes("all") || access.lesson.includes(name);
  const lockedNote = (name) => `Locked: set by ${byLesson(name) ? "this lesson" : lockedBy}.`;
  // Settings a recipe must not touch: the learner could neither see nor undo the change.
  let fixed = new Set();

  for (const field of schema) {
    const id = `field-${field.name}`;
    const wrap = document.createElement("div");
    wrap.className = "field";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = field.label || field.name;
    const input = fieldInput(field);
    input.id = id;
    input.name = field.name;
    input.dataset.testid = field.testid || id; // the schema may name the test id (augment's is "augment")
    const [help, error] = fieldNotes(field, id, field.testid || id);
    const note = document.createElement("small");
    note.className = "locked-note";
    note.id = `${id}-locked`;
    wrap.append(label, input, note, help, error);
    container.append(wrap);
    inputs[field.name] = input;
    errorEls[field.name] = error;
    notes[field.name] = note;
    input.addEventListener(field.type === "choice" ? "change" : "input", () => {
      check(field);
      recipeSelect.value = matchingRecipe();
      changed();
    });
  }

  const allNote = document.createElement("p");
  allNote.className = "locked-note";
  container.before(allNote);

  const labelOf = (name) => schema.find((f) => f.name === name)?.label || name;
  // A setting the chosen settings make irrelevant (momentum without the momentum optimiser).
  const unusedBy = (field) => Object.entries(field.used_when || {})
    .find(([other, values]) => other in config && !values.includes(config[other]));

  // Locked, hidden and unused settings, as the lesson and the other settings make them now.
  function applyAccess() {
    fixed = new Set(schema.map((f) => f.name).filter((name) => isLocked(name) || access.hidden.includes(name)));
    for (const field of schema) {
      const input = inputs[field.name];
      const note = notes[field.name];
      const lockedHere = isLocked(field.name);
      const unused = !lockedHere && unusedBy(field);
      // Read-only text stays focusable, so its value can still be read by keyboard and screen reader.
      if (field.type === "choice") input.disabled = lockedHere;
      else input.readOnly = lockedHere || Boolean(unused);
      const wrap = input.closest(".field");
      wrap.toggleAttribute("data-locked", lockedHere);
      wrap.toggleAttribute("data-unused", Boolean(unused));
      wrap.hidden = access.hidden.includes(field.name);
      note.textContent = lockedHere ? lockedNote(field.name) : unused ? `Not used: ${labelOf(unused[0])} is ${config[unused[0]]}; only ${unused[1].join(" or ")} uses it.` : "";
      note.hidden = !note.textContent;
      note.classList.toggle("visually-hidden", lockedHere && isLocked("all")); // one note above says it for all
      input.setAttribute("aria-describedby", `${note.textContent ? `${note.id} ` : ""}${input.id}-help ${input.id}-error`);
    }
    allNote.hidden = !isLocked("all");
    allNote.textContent = `These settings are locked: ${byLesson("all") ? "this lesson" : lockedBy} chose them for you.`;
    recipeSelect.disabled = isLocked("recipe");
  }

  recipeSelect.append(new Option("Custom settings", CUSTOM));
  for (const name of Object.keys(recipes)) recipeSelect.append(new Option(name, name));
  applyAccess();
  recipeSelect.addEventListener("change", () => {
    if (recipeSelect.value !== CUSTOM) {
      fill(recipes[recipeSelect.value], { keepFixed: true });
      recipeSelect.value = matchingRecipe();
      changed();
    }
  });

  function check(field) {
    show(field.name, checkInto(field, inputs[field.name].value, config, errors));
  }

  function show(name, message) {
    errorEls[name].textContent = message;
    inputs[name].setAttribute("aria-invalid", message ? "true" : "false");
  }

  function fill(values, { keepFixed = false } = {}) {
    for (const field of schema) {
      if (field.name in values && !(keepFixed && fixed.has(field.name))) inputs[field.name].value = formatValue(values[field.name]);
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
    applyAccess();
    onChange({ config: { ...config }, errors: { ...errors }, recipe: recipeSelect.value });
  }

  return {
    /** Fill the controls (locked ones too) from a config, or part of one, then pick the recipe. */
    set(values) {
      fill(values);
      recipeSelect.value = matchingRecipe();
      changed();
    },
    /** Select a recipe by name and fill its values in (locked settings too: this is the lesson's choice). */
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
    /** Lock and hide other settings: names as for the constructor; `lesson`, those of them a
     * lesson's step locks (the others were locked by whoever `lockedBy` names). */
    setAccess({ locked: newLocked = [], hidden: newHidden = [], lesson = [] }) {
      access.locked = newLocked;
      access.hidden = newHidden;
      access.lesson = lesson;
      applyAccess();
    },
  };
}
