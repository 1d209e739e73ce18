// The page's status line and its one notice (what went wrong, in plain words).

const $ = (id) => document.getElementById(id);

/** The status line: state "loading", "waiting", "ready", "training" or "error", and its text. */
export function setStatus(state, text) {
  const status = document.querySelector("[data-testid=status]");
  status.dataset.state = state;
  status.querySelector(".status-text").textContent = text;
}

/** Show `text` in the notice. */
export function notify(text) {
  $("notice-text").textContent = text;
  $("notice").hidden = false;
}

const linkProblems = [];

/** What the URL asked for and was refused, from every panel's settings: all in one notice. */
export function notifyLink(text) {
  linkProblems.push(text);
  notify(linkProblems.join(" "));
}

/** A new link was typed or pasted into the open tab: the old one's problems are dropped (and so is their notice). */
export function newLink() {
  if (linkProblems.length && !$("notice").hidden && $("notice-text").textContent === linkProblems.join(" ")) clearNotice();
  linkProblems.length = 0;
}

export function clearNotice() {
  $("notice").hidden = true;
}

// The useful part of an error: for a Python traceback, its last line.
export function plain(err) {
  const text = String((err?.message) || err || "Unknown error");
  const lines = text.trim().split("\n").filter((l) => l.trim());
  return lines.length > 1 && /Traceback|File "/.test(text) ? lines[lines.length - 1] : text;
}
