// Entry point: checks that this browser can run ScratchNet, then loads the app.
// Any failure to load the app's own files ends in a plain-words message, never a blank page.

/** Show a fatal error in words a learner can act on, and mark the page as failed. */
export function showFatal(message, hint = "") {
  const status = document.querySelector("[data-testid=status]");
  status.dataset.state = "error";
  status.querySelector(".status-text").textContent = "Error";
  document.getElementById("fatal-message").textContent = message;
  document.getElementById("fatal-hint").textContent = hint;
  document.getElementById("fatal").hidden = false;
}

function missingFeature() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    return "This browser cannot run WebAssembly, which ScratchNet needs to run Python. " +
      "Please use a recent Chrome, Edge, Firefox or Safari, and check that WebAssembly is not switched off.";
  }
  if (typeof Worker !== "function") {
    return "This browser cannot run background workers (Web Workers), which ScratchNet needs. " +
      "Please use a recent Chrome, Edge, Firefox or Safari.";
  }
  return null;
}

const problem = missingFeature();
if (problem) {
  showFatal(problem);
} else {
  import("./main.js")
    .then((app) => app.start())
    .catch((err) => {
      showFatal(
        "Part of the page's own code could not be loaded (" + (err && err.message ? err.message : err) + ").",
        "If you built this site yourself, run `python3 build.py build` and reload. Otherwise try reloading the page.",
      );
    });
}
