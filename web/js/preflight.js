// A plain (classic) script that runs before the app's modules, for the one failure that stops
// modules from loading at all: a frame sandboxed without allow-same-origin gives the page an
// opaque origin ("null"), from which it may load neither its own modules nor its worker. Without
// this check the page would say "Loading…" for ever.
(function () {
  "use strict";
  if (self.origin !== "null") return;
  var status = document.querySelector("[data-testid=status]");
  status.dataset.state = "error";
  status.querySelector(".status-text").textContent = "Error";
  document.getElementById("fatal-message").textContent =
    "ScratchNet is in a frame whose sandbox does not allow it to load its own files, so it cannot start.";
  document.getElementById("fatal-hint").textContent =
    "Whoever made this page can remove the iframe's sandbox attribute, or add allow-scripts and allow-same-origin to it.";
  document.getElementById("fatal").hidden = false;
})();
