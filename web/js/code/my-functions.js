// Which of the learner's functions the network may run: only those whose draft is, as it is now,
// the source that passed Check. What passed is kept in this browser, so progress survives visits.
// The learner sees each written function with a checkbox (enabled once it passed; they choose
// which to train with) and, while the network runs them, the list of those in use, each with a
// button that puts the reference back for it.
// Test contract: [data-testid=using-my-code] lists the functions in use, each in an element with
// data-function; [data-testid=my-functions] holds a checkbox per written function (data-function).

import { EXERCISES } from "./drafts.js";

const KEY = "scratchnet.code.passed";

function load() {
  try {
    const kept = JSON.parse(localStorage.getItem(KEY) || "{}");
    return Object.fromEntries(Object.entries(kept).filter(([name, source]) => EXERCISES.includes(name) && typeof source === "string"));
  } catch {
    return {};
  }
}

/** list: the element for the checkboxes; badges: where the in-use list goes; onRemove(name). */
export function createMyFunctions({ list, badges, onRemove }) {
  const passed = load(); // name -> the source that passed Check
  const left = new Set(); // functions the learner unticked
  const save = () => {
    try {
      localStorage.setItem(KEY, JSON.stringify(passed));
    } catch {
      // Storage may be refused (private windows): progress then lasts this visit.
    }
  };

  /** Why `name` cannot be switched in, or "" when it can. */
  function why(name, drafts) {
    if (!Object.hasOwn(drafts, name)) return "not written";
    if (passed[name] === drafts[name]) return "";
    return Object.hasOwn(passed, name) ? "changed since it passed Check" : "has not passed Check yet";
  }

  function render(drafts) {
    const rows = EXERCISES.filter((name) => Object.hasOwn(drafts, name)).map((name) => {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.dataset.function = name;
      const reason = why(name, drafts);
      box.disabled = Boolean(reason);
      box.checked = !reason && !left.has(name);
      box.addEventListener("change", () => (box.checked ? left.delete(name) : left.add(name)));
      label.append(box, ` ${name}${reason ? ` (${reason})` : ""}`);
      return label;
    });
    list.replaceChildren(...rows);
    list.closest("fieldset").hidden = !rows.length;
  }

  return {
    render,
    why,
    /** The source of `name` passed Check. */
    passed(name, source) {
      passed[name] = source;
      save();
    },
    /** Names that passed Check (as they were then), for progress. */
    passedNames: () => Object.keys(passed),
    /** {name: source} of the functions to switch in: passed as they are, and ticked. */
    chosen: (drafts) => Object.fromEntries(Object.entries(drafts).filter(([name]) => !why(name, drafts) && !left.has(name))),
    /** Shows the functions the network runs (none: the list goes). */
    showInUse(names) {
      let box = document.querySelector("[data-testid=using-my-code]");
      if (!names.length) return box?.remove();
      if (!box) {
        box = document.createElement("span");
        box.className = "badge";
        box.dataset.testid = "using-my-code";
        badges.append(box);
      }
      box.replaceChildren("Training with your code: ", ...names.map((name) => {
        const item = document.createElement("span");
        item.className = "in-use";
        item.dataset.function = name;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "remove";
        remove.setAttribute("aria-label", `Put the reference ${name} back`);
        remove.addEventListener("click", () => onRemove(name));
        item.append(name, remove);
        return item;
      }));
    },
  };
}
