// The training-health coach beside the charts: shows the findings Python's coach (health.py) made
// from the current run's events, each in plain words with a suggested fix. Findings are plain
// data; everything is written with textContent. It knows nothing of the worker.

const IDLE = "The coach watches a run as it trains and says here when something looks wrong.";
const WELL = "Nothing looks wrong so far.";

/** container: the [data-testid=health] element. Returns {show(findings, {running}), clear()}. */
export function createHealthView(container) {
  const list = document.createElement("ul");
  list.className = "findings";
  const status = document.createElement("p");
  status.className = "muted small health-status";
  container.append(status, list);
  let shown = ""; // the findings on screen, so an unchanged list is not rebuilt (or re-announced)

  function render(findings, text) {
    const key = JSON.stringify(findings.map((f) => [f.condition, f.layer || "", f.message]));
    status.textContent = text;
    container.dataset.count = String(findings.length);
    if (key === shown) return;
    shown = key;
    list.replaceChildren(...findings.map((finding) => {
      const item = document.createElement("li");
      item.className = "finding";
      item.dataset.condition = finding.condition;
      item.dataset.testid = "finding";
      if (finding.layer) item.dataset.layer = finding.layer;
      const title = document.createElement("strong");
      title.className = "finding-title";
      title.textContent = finding.title;
      const message = document.createElement("p");
      message.textContent = finding.message;
      const fix = document.createElement("p");
      fix.className = "finding-fix";
      fix.textContent = `Try: ${finding.fix}`;
      item.append(title, message, fix);
      return item;
    }));
  }

  return {
    /** The coach's findings for the model on screen; hasRun: whether that model has a run here. */
    show(findings, { hasRun }) {
      const list = Array.isArray(findings) ? findings : [];
      render(list, list.length ? "" : hasRun ? WELL : IDLE);
    },
    clear: () => render([], IDLE),
  };
}
