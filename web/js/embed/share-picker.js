// The Share panel's per-setting picker: for each setting, whether the embedded widget locks it
// (shown, not editable) or hides it. It only builds and reads checkboxes; share.js makes the code.

import { captionedTable } from "../widgets/table.js";

/**
 * Build the picker in `container` for the settings' `fields` ([{name, label}]), ticking what
 * `view` already locks and hides. onChange() runs after every tick. Returns {locked(), hidden()}.
 */
export function createSettingPicker(container, fields, view, onChange) {
  const table = captionedTable("setting-picker", "For each setting: lock it or hide it in the embedded widget");
  const head = document.createElement("tr");
  for (const text of ["Setting", "Lock", "Hide"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = text;
    head.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  const body = document.createElement("tbody");
  const boxes = { lock: {}, hide: {} };
  for (const field of fields) {
    const row = document.createElement("tr");
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = field.label || field.name;
    row.append(name);
    for (const kind of ["lock", "hide"]) {
      const cell = document.createElement("td");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.dataset.testid = `share-${kind}-${field.name}`;
      box.checked = view[kind].includes(field.name);
      box.setAttribute("aria-label", `${kind === "lock" ? "Lock" : "Hide"} ${field.label || field.name}`);
      box.addEventListener("change", onChange);
      boxes[kind][field.name] = box;
      cell.append(box);
      row.append(cell);
    }
    body.append(row);
  }
  table.append(thead, body);
  container.append(table);
  const ticked = (kind) => Object.keys(boxes[kind]).filter((name) => boxes[kind][name].checked);
  return { locked: () => ticked("lock"), hidden: () => ticked("hide") };
}
