// The page's last resort: a failure that stops the app, shown in words a learner can act on.

/** Show a fatal error and mark the page as failed. */
export function showFatal(message, hint = "") {
  const status = document.querySelector("[data-testid=status]");
  status.dataset.state = "error";
  status.querySelector(".status-text").textContent = "Error";
  document.getElementById("fatal-message").textContent = message;
  document.getElementById("fatal-hint").textContent = hint;
  document.getElementById("fatal").hidden = false;
}
