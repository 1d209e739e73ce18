// The code panel: the NumPy the network runs, read from the worker's own package, and the
// exercises, where the learner writes a function themselves, checks it (a numerical gradient
// check in the worker, stopped after CHECK_LIMIT_MS), and trains with it. Drafts are kept in
// this browser and travel in the link (#code=...). Code that arrives in a link is kept apart,
// shown read-only and marked "from a link": it is never saved, checked or trained with until the
// learner adopts it (it then replaces their draft of that exercise), and a malformed code= value
// is named in a notice here.

import { loadCodeMirror } from "../libraries.js";
import { drafts as codec, readLinkCode } from "./drafts.js";
import { createLinkMark, showLinkProblems } from "./link-code-view.js";
import { clearStoppedNotes } from "./stopped-note.js";
import { createMyFunctions } from "./my-functions.js";
import { createErrorLine } from "./error-line.js";

const CHECK_LIMIT_MS = 5000;
const $ = (id) => document.getElementById(id);

/**
 * client: the worker client. Callbacks: report(err) for a failed call; post(type, fields) for
 * the embedding page; changed() after the drafts change (the link follows them); train() starts
 * (or resumes) training with the settings shown.
 */
export function createCodePanel(client, { report, post, changed, train }) {
  const select = $("exercise");
  const result = document.querySelector("[data-testid=check-result]");
  let editor = null; // {view, setText, getText, setEditable}, once CodeMirror has loaded
  // "view": what runs, read-only; "edit": the learner's draft of one exercise; "link": a link's
  // code for one exercise, read-only, not adopted.
  let mode = "view";
  let inUse = []; // exercise names whose learner code the network runs
  const drafts = codec.load(); // the learner's own, as kept in this browser
  let inUseSources = {}; // the sources the network runs, as last switched in
  const mine = createMyFunctions({ list: $("my-functions-list"), badges: $("code-badges"), onRemove: (name) => removeFromUse(name) });
  const useNote = $("use-note");
  const link = readLinkCode(location.hash);
  // The link's code that is not already the learner's draft: name -> source, until adopted or dropped.
  const fromLink = Object.fromEntries(Object.entries(link.code).filter(([name, source]) => drafts[name] !== source));
  const exercises = {}; // name -> {stub, reference}

  async function exercise(name) {
    if (!exercises[name]) exercises[name] = await client.exercise({ name });
    return exercises[name];
  }

  async function loadEditor() {
    const cm = await loadCodeMirror();
    const editable = new cm.Compartment();
    const errorLine = createErrorLine(cm);
    // In a shadow root CodeMirror's styles are constructed style sheets, which a strict
    // Content-Security-Policy (no inline styles) allows; in the document they would be <style> tags.
    const shadow = $("code-editor").attachShadow({ mode: "open" });
    const mount = document.createElement("div");
    shadow.append(mount);
    const view = new cm.EditorView({
      doc: "",
      extensions: [cm.basicSetup, cm.python(), editable.of([cm.EditorState.readOnly.of(true), cm.EditorView.editable.of(false)]),
        cm.EditorView.updateListener.of((update) => update.docChanged && mode === "edit" && saveDraft()),
        errorLine.field,
        // Focusable even when read-only, so the code can be scrolled and read from the keyboard.
        cm.EditorView.contentAttributes.of({ "aria-label": "Python code", tabindex: "0" }),
        cm.EditorView.theme({ "&": { maxHeight: "32rem", fontSize: "0.85rem" }, ".cm-scroller": { overflow: "auto" },
          ".cm-error-line": { backgroundColor: "#fee2e2", outline: "1px solid #991b1b" } })],
      parent: mount,
      root: shadow,
    });
    editor = {
      view,
      getText: () => view.state.doc.toString(),
      setText: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, effects: errorLine.mark.of(null) }),
      markLine: (line) => view.dispatch({ effects: errorLine.effects(view.state, line) }),
      setEditable: (on) => view.dispatch({
        effects: editable.reconfigure([cm.EditorState.readOnly.of(!on), cm.EditorView.editable.of(on)]),
      }),
    };
  }

  function saveDraft() {
    drafts[select.value] = editor.getText();
    codec.save(drafts);
    mine.render(drafts);
    changed();
  }

  // What runs, read-only: everything (name = ""), or one function.
  async function showRunning(name = "") {
    mode = "view";
    linkMark.hide();
    $("edit-code").textContent = "Edit: write it yourself";
    editor.setEditable(false);
    const view = await client.codeView();
    $("code-shapes").textContent = view.shapes.join("\n");
    const sections = name ? view.sections.filter((s) => s.title === name) : view.sections;
    const shown = sections.length ? sections : [{ title: name, source: (await exercise(name)).reference, yours: false }];
    editor.setText(shown.map((s) => `# ---- ${s.title}${s.yours ? " (your code)" : ""} ----\n${s.source}`).join("\n"));
  }

  // The learner's draft of `name` to edit, or, while a link's code for it waits, that code to read.
  async function edit(name) {
    select.value = name;
    $("edit-code").textContent = "Show what runs";
    if (Object.hasOwn(fromLink, name)) {
      mode = "link"; // before the text changes: a link's code is never saved as a draft
      linkMark.show(name, Object.hasOwn(drafts, name), $("code-editor"));
      editor.setEditable(false);
      editor.setText(fromLink[name]);
      $("check-code").disabled = true;
      return;
    }
    linkMark.hide();
    const text = drafts[name] ?? (await exercise(name)).stub;
    mode = "edit";
    editor.setText(text);
    editor.setEditable(true);
    $("check-code").disabled = false;
  }

  function showLinkNote() {
    const names = Object.keys(fromLink);
    $("code-note").textContent = names.length
      ? `The link you opened brought code for ${names.join(", ")}, kept apart from your drafts: it runs only when you press Use this code, then Check or Train with my code.`
      : "";
  }

  // The link's code for the exercise shown becomes the learner's draft (or is dropped).
  function settleLinkCode(adopt) {
    const name = select.value;
    if (mode !== "link" || !Object.hasOwn(fromLink, name)) return;
    if (adopt) {
      drafts[name] = fromLink[name];
      codec.save(drafts);
    }
    delete fromLink[name];
    changed();
    showLinkNote();
    edit(name).catch(report);
  }
  const linkMark = createLinkMark({ onAdopt: () => settleLinkCode(true), onDrop: () => settleLinkCode(false) });
  showLinkProblems(link.problems, $("code-note"));

  function clearResult() {
    editor?.markLine(null);
    result.dataset.passed = "";
    result.dataset.maxRelError = "";
    result.replaceChildren();
  }

  function showResult(name, checked, source) {
    if (checked.passed) mine.passed(name, source);
    if (mode === "edit" && select.value === name) editor.markLine(checked.error?.line || null);
    mine.render(drafts);
    const rows = checked.results.map((r) => {
      const li = document.createElement("li");
      li.className = r.passed ? "pass" : "fail";
      const error = r.max_rel_error == null ? "∞" : r.max_rel_error.toExponential(1);
      li.textContent = `${r.passed ? "✓" : "✗"} ${r.output}: largest relative error ${error}${r.hint ? ` — ${r.hint}` : ""}`;
      return li;
    });
    const head = document.createElement("p");
    head.className = checked.passed ? "pass" : "fail";
    head.textContent = checked.passed ? `${name} passes every check (tolerance 1e-6).`
      : checked.error ? `Your code stopped with ${checked.error.message}${checked.error.line ? ` (line ${checked.error.line})` : ""}.`
        : `${name} does not pass yet.`;
    const list = document.createElement("ul");
    list.append(...rows);
    if (checked.error?.hint) {
      const hint = document.createElement("p");
      hint.textContent = checked.error.hint;
      result.replaceChildren(head, hint, list);
    } else {
      result.replaceChildren(head, list);
    }
    result.dataset.maxRelError = checked.max_rel_error == null ? "Infinity" : String(checked.max_rel_error);
    result.dataset.passed = String(checked.passed);
    post("exerciseChecked", { exercise: name, passed: checked.passed, maxRelError: checked.max_rel_error });
  }

  async function check() {
    clearResult(); // at once, so nobody reads the last answer as this one's
    const name = select.value;
    if (mode === "link") return; // a link's code is checked only once adopted
    const source = mode === "edit" ? editor.getText() : drafts[name] ?? (await exercise(name)).stub;
    try {
      await client.saveCheckpoint(); // Python cannot be interrupted: a hang costs a restart, not the work
      showResult(name, await client.checkCode({ name, source }, null, { timeoutMs: CHECK_LIMIT_MS }), source);
    } catch (err) {
      result.dataset.passed = "false";
      result.dataset.maxRelError = "Infinity";
      result.textContent = err.timedOut
        ? `Your code ran for more than ${CHECK_LIMIT_MS / 1000} s (an endless loop?) and was stopped. Python restarts; your model, settings and code are kept.`
        : `The check could not run: ${err.message}`;
      report(err);
    }
  }

  // Switches in the learner's functions that passed Check (and are ticked), then trains.
  async function trainWithMine() {
    useNote.textContent = "";
    // A link's code shown in the editor is never used: the learner's own drafts are.
    if (mode === "edit") drafts[select.value] = editor.getText();
    const sources = mine.chosen(drafts);
    const names = Object.keys(sources);
    const waiting = Object.keys(drafts).filter((name) => mine.why(name, drafts));
    const untouched = waiting.filter((name) => drafts[name] === exercises[name]?.stub);
    const left = waiting.filter((name) => !untouched.includes(name)).map((name) => `${name} (${mine.why(name, drafts)})`);
    if (!names.length) {
      useNote.textContent = left.length ? `Nothing to train with yet: ${left.join(", ")}. Only functions that pass Check are switched in: press Check first.`
        : mode === "link" ? "The code from the link runs only once you press Use this code, then Check."
          : "Write a function first: choose one, press Edit, write it, then Check.";
      return;
    }
    try {
      const reply = await client.useCode({ sources });
      if (!reply.ok) {
        const { exercise: bad, message, line } = reply.error;
        useNote.textContent = `Your ${bad} cannot run: ${message}${line ? ` (line ${line})` : ""}. The reference is kept.`;
        if (mode === "edit" && select.value === bad) editor.markLine(line);
      }
      setModel(reply.model);
      if (reply.ok) {
        inUseSources = sources;
        clearStoppedNotes();
        useNote.textContent = `Training with your ${names.join(", ")}${left.length ? `; left out: ${left.join(", ")}` : ""}.`;
        await train();
      }
    } catch (err) {
      report(err);
    }
  }

  // The reference for `name` again; the learner's other functions stay in use.
  async function removeFromUse(name) {
    const rest = Object.fromEntries(Object.entries(inUseSources).filter(([other]) => other !== name && inUse.includes(other)));
    if (!Object.keys(rest).length) return backToReference();
    try {
      const reply = await client.useCode({ sources: rest });
      if (reply.ok) inUseSources = rest;
      setModel(reply.model);
    } catch (err) {
      report(err);
    }
  }

  async function backToReference() {
    try {
      setModel((await client.useReference()).model);
    } catch (err) {
      report(err);
    }
  }

  // The badge and the view follow the worker's summary of the model.
  let lastShown = "";
  function setModel(summary) {
    inUse = summary.code || [];
    mine.showInUse(inUse);
    $("reference-code").disabled = !inUse.length;
    // What the view shows changes with the model, its settings (the shapes) and the code in use,
    // not with every chunk of training: re-read it only then.
    const shown = JSON.stringify([summary.id, summary.config, inUse]);
    if (shown === lastShown) return;
    lastShown = shown;
    if (editor && mode === "view") showRunning(select.value && select.dataset.chosen ? select.value : "").catch(report);
  }

  for (const name of select.options) name.textContent = name.value;
  select.addEventListener("change", () => {
    select.dataset.chosen = "1";
    (mode === "view" ? showRunning(select.value) : edit(select.value)).catch(report);
  });
  $("edit-code").addEventListener("click", () => (mode === "view" ? edit(select.value) : showRunning(select.value)).catch(report));
  $("check-code").addEventListener("click", check);
  $("train-my-code").addEventListener("click", trainWithMine);
  $("reference-code").addEventListener("click", backToReference);

  return {
    /** Load the editor and show the code (and open the exercise the link asks for). */
    async start(view) {
      await loadEditor();
      showLinkNote();
      mine.render(drafts);
      const first = view.exercises[0] || Object.keys(fromLink)[0];
      if (first) await edit(first);
      else await showRunning();
    },
    setModel,
    /** Is the learner's code in use (calls get a time limit then)? */
    inUse: () => inUse.length > 0,
    /** The code for the page's own link: the learner's drafts, and a link's code not yet settled where they have none. */
    drafts: () => ({ ...fromLink, ...drafts }),
  };
}
