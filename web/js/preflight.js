// A plain (classic) script that runs before the app's modules, for the one failure that stops
// modules from loading at all: a frame sandboxed without allow-same-origin gives the page an
// opaque origin ("null"), from which it may load neither its own modules nor its worker. Without
// this check the page would say "Loading…" for ever.
// Opening the page from disk (file://) gives the same opaque origin in most browsers.
(() => {
  
  if (self.origin !== "null") return;
  var fromDisk = location.protocol === "file:";
  var status = document.querySelector("[data-testid=status]");
  status.dataset.state = "error";
  status.querySelector(".status-text").textContent = "Error";
  document.getElementById("fatal-message").textContent = fromDisk
    ? "ScratchNet was opened as a file from disk (file://). Browsers do not let a page opened this way load " +
      "its own code modules and background worker, so it cannot start."
    : "ScratchNet is in a frame whose sandbox does not allow it to load its own files, so it cannot start.";
  document.getElementById("fatal-hint").textContent = fromDisk
    ? "Serve the folder over http instead: run `python3 build.py serve` and open http://127.0.0.1:8000, " +
      "or run any static web server in the built dist/ folder (for example `python3 -m http.server`)."
    : "Whoever made this page can remove the iframe's sandbox attribute, or add allow-scripts and allow-same-origin to it.";
  document.getElementById("fatal").hidden = false;
})();
