// The loading screen's list of steps, each waiting, working, done (and when) or failed.

/** A list of loading steps; returns update({id, state, detail, at}) for one step. */
export function createStepList(list, steps) {
  for (const step of steps) {
    const li = document.createElement("li");
    li.id = `step-${step.id}`;
    li.dataset.state = "waiting";
    li.innerHTML = `<span class="step-icon" aria-hidden="true"></span><span class="step-label"></span><span class="step-detail muted"></span>`;
    li.querySelector(".step-label").textContent = step.label;
    list.append(li);
  }
  return ({ id, state, detail, at }) => {
    const li = list.querySelector(`#step-${id}`);
    if (!li) return;
    li.dataset.state = state;
    li.querySelector(".step-detail").textContent =
      state === "done" ? `done at ${at.toFixed(1)} s` : state === "error" ? "failed" : detail || (state === "active" ? "working…" : "");
  };
}
