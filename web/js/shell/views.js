// The page's views: draw, train, inside one step, build it yourself, lessons and the 2-D
// playground, each a group of the page's sections shown on its own (views.css lays each out),
// with a navigation bar that is always in sight. An open lesson sits beside every view. A page
// embedded in a course page, or opened with panels=, has no views: it shows the panels it names.
// The view is kept in the URL hash (view=NAME) and read from it strictly (state/view.js).

import { VIEW_NAMES } from "../state/view.js";

/** The views, in the navigation's order: their labels and the sections each one shows. */
export const VIEWS = {
  draw: { label: "Draw", sections: ["draw"] },
  train: { label: "Train", sections: ["train-section", "eval-section", "share"] },
  inside: { label: "Inside a step", sections: ["inspect-section", "weights-section"] },
  build: { label: "Build it yourself", sections: ["code-section"] },
  lessons: { label: "Lessons", sections: ["lessons-nav"] },
  playground: { label: "2-D playground", sections: ["playground-section"] },
};
/** The view a page opens with when its link names none. */
export const DEFAULT_VIEW = VIEW_NAMES[0];
// The panel (state/view.js PANELS) each view shows first: a lesson's panels pick the view it opens in.
const VIEW_OF_PANEL = { draw: "draw", train: "train", eval: "train", code: "build", inspect: "inside", weights: "inside", playground: "playground" };

const root = document.documentElement;
let onChange = () => {};

/**
 * The view a link opens: the one it names, else the code's for a link with an exercise or with
 * code (`hash`: the link's code is read only when the page opens), else the drawing.
 */
export function viewOfLink(view, hash = "") {
  const code = new URLSearchParams(hash.replace(/^#/, "")).has("code");
  return view.name || (view.exercises?.length || code ? "build" : DEFAULT_VIEW);
}

/** Does this page have views? Not when embedded, nor when its link names the panels to show. */
export function viewsActive(view) {
  return !view.embed && !new URLSearchParams(location.hash.slice(1)).has("panels");
}

/** The view being shown ("" on a page without views). */
export function currentView() {
  return root.dataset.view || "";
}

// The address with view=name, everything else in it kept as it is.
function keepInUrl(name) {
  const params = new URLSearchParams(location.hash.slice(1));
  params.set("view", name);
  const hash = params.toString().replaceAll("%2C", ",");
  history.replaceState(null, "", hash ? `#${hash}` : location.pathname + location.search);
}

/**
 * Build the navigation into `nav` and show `name`. changed(name) is told of every change the
 * learner makes (the page's view object keeps it); the URL keeps it too. On a page without views
 * the navigation stays hidden.
 */
export function startViews(nav, view, { name = DEFAULT_VIEW, changed = () => {} } = {}) {
  if (!viewsActive(view)) {
    nav.hidden = true;
    return;
  }
  onChange = changed;
  for (const [key, { sections }] of Object.entries(VIEWS)) {
    for (const id of sections) document.getElementById(id).dataset.views = key;
  }
  const list = document.createElement("ul");
  for (const [key, { label }] of Object.entries(VIEWS)) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `#view=${key}`;
    link.dataset.view = key;
    link.textContent = label;
    link.addEventListener("click", (event) => {
      event.preventDefault(); // the hash holds the settings too: showView() rewrites it whole
      showView(key, { byLearner: true });
    });
    item.append(link);
    list.append(item);
  }
  nav.replaceChildren(list);
  nav.hidden = false;
  showView(name);
}

/** Show the view `name` (a key of VIEWS); the learner's own choice is kept in the URL. */
export function showView(name, { byLearner = false } = {}) {
  const nav = document.querySelector("[data-testid=view-nav]");
  if (!VIEWS[name] || nav.hidden) return;
  const changed = root.dataset.view !== name;
  root.dataset.view = name;
  nav.dataset.current = name;
  for (const link of nav.querySelectorAll("a[data-view]")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (changed) window.scrollTo(0, 0);
  if (byLearner) {
    keepInUrl(name);
    onChange(name);
  }
}

/** Show the view that holds `element` (a control another view's link leads to). */
export function showViewOf(element) {
  const name = element.closest("[data-views]")?.dataset.views;
  if (name) showView(name, { byLearner: true });
}

/** The view that shows a lesson's first panel (a lesson opens there, beside its text). */
export function viewForPanels(panels) {
  return VIEW_OF_PANEL[panels?.[0]] || "";
}
