// How the code panel marks code that came in a link: a "from a link" notice above the editor with
// its two ways out (adopt it as the learner's draft, or drop it), and a notice naming what was
// wrong with a malformed code= value. It only draws: keeping, saving and running code are the
// code panel's (code-panel.js).

/** The "from a link" mark; onAdopt() and onDrop() when its buttons are pressed. */
export function createLinkMark({ onAdopt, onDrop }) {
  const mark = document.createElement("div");
  mark.className = "notice";
  mark.dataset.testid = "code-from-link";
  mark.setAttribute("role", "status");
  const text = document.createElement("span");
  const adopt = Object.assign(document.createElement("button"), { type: "button", textContent: "Use this code" });
  adopt.dataset.testid = "adopt-link-code";
  const drop = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
  drop.dataset.testid = "drop-link-code";
  const buttons = document.createElement("span");
  buttons.append(adopt, " ", drop);
  mark.append(text, buttons);
  adopt.addEventListener("click", onAdopt);
  drop.addEventListener("click", onDrop);

  return {
    /** Mark the link's code for `name`, shown in `editor` (an element); `mine`: the learner has a draft of it. */
    show(name, mine, editor) {
      text.textContent = `From a link: this ${name} is not your code. It does not run, and is not saved, until you press ` +
        `Use this code${mine ? ", which replaces your own draft of it (kept until then)" : ""}.`;
      drop.textContent = mine ? "Keep my draft" : "Drop it";
      if (!mark.isConnected) editor.before(mark);
    },
    /** No link's code is shown: the mark goes. */
    hide: () => mark.remove(),
  };
}

/** The sentences saying what a malformed code= value lost, shown after the element `after`. */
export function showLinkProblems(problems, after) {
  if (!problems.length) return;
  const notice = document.createElement("p");
  notice.className = "notice";
  notice.dataset.testid = "code-link-problem";
  notice.setAttribute("role", "alert");
  notice.textContent = problems.join(" ");
  after.after(notice);
}
