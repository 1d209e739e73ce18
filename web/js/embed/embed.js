// Embedding in a course page: the panels and parts the URL asks for, the compact layout, and the
// messages posted to the page around the app. Messages go out only when the app runs in a frame;
// messages from that page ("hello": please re-send the height, and the commands of
// host-commands.js) are taken only from the parent window, and only from host= when it is given.

import { readCommand } from "./host-commands.js";

const PANEL_SECTIONS = {
  draw: "draw", train: "train-section", code: "code-section", eval: "eval-section", inspect: "inspect-section", weights: "weights-section",
  playground: "playground-section",
};
const PART_SELECTORS = {
  recipe: ".recipe-row",
  settings: "#controls-fieldset",
  model: ".model-button",
  charts: ".charts",
  activations: ".hidden-acts",
  share: "#share",
};
const TITLES = {
  draw: "draw a digit", train: "train a network", code: "the code that runs", eval: "how good is it", inspect: "inside one step",
  weights: "first-layer weights", playground: "2-D playground",
};
const SKIP_TEXT = {
  draw: "Skip to the drawing pad", train: "Skip to training", code: "Skip to the code", eval: "Skip to the evaluation",
  inspect: "Skip to inside one step", weights: "Skip to the weights", playground: "Skip to the playground",
};

/** A short name for what a view shows, for page and iframe titles ("ScratchNet: draw a digit"). */
export function viewTitle(panels) {
  return `ScratchNet: ${panels.map((p) => TITLES[p]).join(", ")}`;
}

/** Show only the panels and parts the view asks for; embed mode gets the compact layout. */
export function applyView(view) {
  document.documentElement.classList.toggle("embed", view.embed);
  document.documentElement.classList.toggle("layout-compact", view.layout === "compact");
  for (const [panel, id] of Object.entries(PANEL_SECTIONS)) {
    document.getElementById(id).hidden = !view.panels.includes(panel);
  }
  for (const [part, selector] of Object.entries(PART_SELECTORS)) {
    for (const el of document.querySelectorAll(selector)) el.hidden = view.hide.includes(part);
  }
  const skip = document.querySelector(".skip-link");
  skip.href = `#${PANEL_SECTIONS[view.panels[0]]}`;
  skip.textContent = SKIP_TEXT[view.panels[0]];
  skip.onclick = skipTo;
  if (view.embed) document.title = viewTitle(view.panels);
}

// The skip link moves focus without touching the URL's hash, which holds the settings.
function skipTo(event) {
  event.preventDefault();
  const target = document.querySelector(event.currentTarget.getAttribute("href"));
  target.tabIndex = -1;
  target.focus();
}

// The only message taken from the embedding page: exactly {source: "scratchnet-host", type: "hello"}.
function isHello(data) {
  if (!data || typeof data !== "object" || Object.getPrototypeOf(data) !== Object.prototype) return false;
  const keys = Object.keys(data).sort();
  return keys.length === 2 && keys[0] === "source" && keys[1] === "type" &&
    data.source === "scratchnet-host" && data.type === "hello";
}

/** The content's height in CSS pixels: what an iframe needs to show it all without scrolling. */
export function contentHeight() {
  return Math.ceil(document.body.getBoundingClientRect().height);
}

/**
 * Connect to the embedding page, if there is one. Returns {framed, post(type, fields),
 * onCommand(handler)}; each message is {source: "scratchnet", type, id?, ...fields}, sent to
 * view.host (or any origin). A "resize" with the new height goes out whenever the content's
 * height changes. A malformed command, or one sent before a handler is set, is answered with
 * "commandRefused" and its reason.
 */
export function connectToHost(view) {
  const framed = window.parent !== window;
  const target = view.host || "*";
  const post = (type, fields = {}) => {
    if (!framed) return;
    const message = { source: "scratchnet", type, ...(view.id ? { id: view.id } : {}), ...fields };
    window.parent.postMessage(message, target);
  };
  let handler = null;
  const onCommand = (fn) => {
    handler = fn;
  };
  if (!framed) return { framed, post, onCommand };

  let lastHeight = -1;
  const postHeight = (always) => {
    const height = contentHeight();
    if (always || height !== lastHeight) post("resize", { height });
    lastHeight = height;
  };
  new ResizeObserver(() => postHeight(false)).observe(document.body);
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || (view.host && event.origin !== view.host)) return;
    if (isHello(event.data)) return postHeight(true);
    const read = readCommand(event.data);
    if (!read) return;
    const type = read.command ? read.command.type : String(event.data.type).slice(0, 40);
    if (read.error) post("commandRefused", { command: type, reason: read.error });
    else if (!handler) post("commandRefused", { command: type, reason: "the app is still loading: send commands after its \"ready\" message" });
    else handler(read.command);
  });
  return { framed, post, onCommand };
}

// A widget below the fold of a course page starts Python only once it is scrolled into view, so a
// page with many widgets does not start them all at once. (Inside a frame the implicit root is
// the top-level viewport, so this works across origins.)
export function untilSeen(onWaiting) {
  return new Promise((resolve) => {
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        resolve();
      } else {
        onWaiting();
      }
    });
    observer.observe(document.body);
  });
}
