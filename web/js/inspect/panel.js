// The "Inside one step" panel as a whole: the inspector, the gradient check, and the links from
// the evaluation (a confusion cell filters the gallery; a digit there opens in the inspector),
// with the inspected test digit kept in the URL (#inspect=N), like every other view setting.

import { createInspector } from "./inspector.js";
import { createGradcheckView } from "./gradcheck-view.js";
import { createEvalLinks } from "./eval-links.js";
import { showViewOf } from "../shell/views.js";

// The address with inspect=index (or without it), everything else in it kept as it is.
function keepInUrl(index) {
  const params = new URLSearchParams(location.hash.slice(1));
  if (index === null) params.delete("inspect");
  else params.set("inspect", String(index));
  const hash = params.toString().replaceAll("%2C", ",");
  history.replaceState(null, "", hash ? `#${hash}` : location.pathname + location.search);
}

/**
 * client: the worker client. view: the page's view. info: the bridge's init() answer. ink():
 * the drawing on the pad or null; modelId(): the current model's id; notify(text); report(err).
 * Returns {refresh(): the weights changed; refreshIfSeen(): the same, while training (the trace
 * follows if the panel is in view, else when it comes into view); inkChanged(): the learner drew}.
 */
export function createInspectPanel(client, { view, info, ink, modelId, notify, report }) {
  const inspector = createInspector(client, {
    view, testSize: info.test_size, classes: info.model.layers.at(-1), ink, notify,
    onExample: (index) => {
      view.inspect = index;
      keepInUrl(index);
    },
  });
  const gradcheck = createGradcheckView(client);
  const shown = view.panels.includes("inspect");
  createEvalLinks(client, {
    modelId,
    open: shown ? (index) => {
      inspector.open(index);
      const section = document.getElementById("inspect-section");
      showViewOf(section); // on a page with views, the inspector's own view
      section.scrollIntoView({ block: "start" });
    } : null,
    report,
  });
  // While training, the weights change all the time: the trace follows only while it can be seen,
  // and catches up when it comes into view.
  let seen = false;
  let behind = false;
  new IntersectionObserver(([entry]) => {
    seen = entry.isIntersecting;
    if (seen && behind) {
      behind = false;
      inspector.refresh();
    }
  }).observe(document.getElementById("inspect-section"));

  function refresh() {
    behind = false;
    inspector.refresh();
    gradcheck.stale();
  }
  return {
    refresh,
    refreshIfSeen() {
      if (seen) refresh();
      else behind = true;
      gradcheck.stale();
    },
    inkChanged: () => inspector.inkChanged(),
    /** A link's inspect=index, typed or pasted into the open tab: the problem, or "" once shown. */
    openFromLink(index) {
      if (index >= info.test_size) {
        return `The link's inspect=${index} was refused: there are ${info.test_size.toLocaleString("en")} test digits, ` +
          `numbered 0 to ${info.test_size - 1}. The digit shown is kept.`;
      }
      inspector.open(index);
      return "";
    },
  };
}
