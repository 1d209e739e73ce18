// The playground's settings controls, built from the schema Python sends (playground.py), each
// value checked as it is typed by the page's one codec (state.js parseField): a refused value is
// named at its control and never leaves the page. A choice is a <select>, a set of names
// ("multi") a group of checkboxes, anything else a text field. Test ids: playground-<name>.

import { checkInto, formatValue } from "../state/settings.js";
import { fieldInput, fieldNotes } from "../training/controls.js";

const TYPING_MS = 350; // a text field's value is used once typing pauses (or on Enter / leaving it)

/**
 * Build the controls in `container`. onChange({config, errors}) runs after each edit that
 * changes a value (config holds only valid values); onCheck() after every check, even while
 * typing goes on. Returns {set, current, showErrors, disable}.
 */
export function buildPlaygroundControls(container, schema, { onChange, onCheck = () => {} }) {
  const read = {}; // name -> () => the control's value as text
  const write = {}; // name -> (value) => void
  const errorEls = {};
  const inputs = {};
  const errors = {};
  const config = {};
  const timers = {}; // name -> the pending typing pause of that text field

  for (const field of schema) {
    const id = `pg-${field.name}`;
    const wrap = document.createElement(field.type === "multi" ? "fieldset" : "div");
    wrap.className = `field pg-field-${field.name}`;
    const [help, error] = fieldNotes(field, id, `playground-${field.name}`);
    const describedBy = `${id}-help ${id}-error`;
    if (field.type === "multi") {
      const legend = document.createElement("legend");
      legend.textContent = field.label;
      wrap.append(legend);
      wrap.dataset.testid = `playground-${field.name}`;
      wrap.setAttribute("aria-describedby", describedBy);
      const boxes = field.choices.map((choice) => {
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.value = choice;
        box.dataset.testid = `playground-${field.name}-${choice}`;
        box.addEventListener("change", () => edited(field));
        label.append(box, " ", field.choice_labels?.[choice] || choice);
        wrap.append(label);
        return box;
      });
      read[field.name] = () => boxes.filter((b) => b.checked).map((b) => b.value).join(",");
      write[field.name] = (value) => {
        for (const b of boxes) b.checked = value.includes(b.value);
      };
      inputs[field.name] = wrap;
    } else {
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = field.label;
      const input = fieldInput(field);
      if (field.type !== "choice") {
        input.addEventListener("input", () => {
          // Checked at once (a refusal shows as it is typed); used once typing pauses.
          const pending = Boolean(timers[field.name]);
          clearTimeout(timers[field.name]);
          delete timers[field.name];
          const before = JSON.stringify(snapshot());
          check(field);
          if (pending || JSON.stringify(snapshot()) !== before) {
            timers[field.name] = setTimeout(() => {
              delete timers[field.name];
              onChange(snapshot());
            }, TYPING_MS);
          }
        });
      }
      input.addEventListener("change", () => edited(field));
      input.id = id;
      input.name = field.name;
      input.dataset.testid = `playground-${field.name}`;
      input.setAttribute("aria-describedby", describedBy);
      wrap.append(label, input);
      read[field.name] = () => input.value;
      write[field.name] = (value) => (input.value = formatValue(value));
      inputs[field.name] = input;
    }
    wrap.append(help, error);
    errorEls[field.name] = error;
    container.append(wrap);
  }

  function show(name, message) {
    errorEls[name].textContent = message;
    inputs[name].setAttribute("aria-invalid", message ? "true" : "false");
  }

  function check(field) {
    show(field.name, checkInto(field, read[field.name](), config, errors));
    onCheck();
  }

  const snapshot = () => ({ config: { ...config }, errors: { ...errors } });

  function edited(field) {
    const pending = Boolean(timers[field.name]);
    clearTimeout(timers[field.name]);
    delete timers[field.name];
    const before = JSON.stringify(snapshot());
    check(field);
    if (pending || JSON.stringify(snapshot()) !== before) onChange(snapshot());
  }

  return {
    /** Fill the controls from (part of) a settings object, without calling onChange. */
    set(values) {
      for (const field of schema) {
        if (field.name in values) write[field.name](values[field.name]);
        check(field);
      }
    },
    /** The current valid values and the errors blocking the rest. */
    current: snapshot,
    /** Python's verdict ({name: reason}) shown at the controls. */
    showErrors(pythonErrors) {
      for (const [name, message] of Object.entries(pythonErrors)) {
        if (!(name in errorEls)) continue;
        errors[name] = message;
        show(name, message);
      }
    },
    /** Make every control read-only (while nothing can be done with them) or usable again. */
    disable(disabled) {
      container.disabled = disabled;
    },
  };
}
