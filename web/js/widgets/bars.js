// Bars for a handful of values (one per class): each row its label, a bar from the zero line
// (to the right above zero, to the left below) and its number written out, so every value can
// be read without pointing. Optionally a second set ("after") drawn under the first, with the
// change. It knows nothing of networks.

import { formatNumber } from "./heatmap.js";

/**
 * values: numbers (an array or typed array); labels[i]: each row's label; name: what they are.
 * highlight: the row to mark (e.g. the true class). after: a second set of the same length.
 * Returns the element (a list).
 */
export function createBars({ values, labels, name, highlight = -1, after = null }) {
  const sets = after ? [values, after] : [values];
  let low = 0;
  let high = 0;
  for (const set of sets) {
    for (const v of set) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  const span = high - low || 1;
  const zero = (-low / span) * 100; // where zero sits along the track, in percent

  const list = document.createElement("ul");
  list.className = "bars";
  list.setAttribute("aria-label", name);
  Array.from(values).forEach((v, i) => {
    const row = list.appendChild(document.createElement("li"));
    row.className = "bar-row";
    row.classList.toggle("marked", i === highlight);
    const label = row.appendChild(document.createElement("span"));
    label.className = "bar-label";
    label.textContent = labels[i];
    const track = row.appendChild(document.createElement("span"));
    track.className = "bar-track";
    track.setAttribute("aria-hidden", "true");
    const text = row.appendChild(document.createElement("span"));
    text.className = "bar-value num";
    sets.forEach((set, k) => {
      const fill = track.appendChild(document.createElement("span"));
      fill.className = k === 0 ? "bar-fill" : "bar-fill after";
      const end = ((set[i] - low) / span) * 100;
      fill.style.left = `${Math.min(zero, end)}%`;
      fill.style.width = `${Math.max(Math.abs(end - zero), 0.5)}%`;
      fill.classList.toggle("negative", set[i] < 0);
    });
    if (after) {
      const change = after[i] - v;
      text.textContent = `${formatNumber(v)} → ${formatNumber(after[i])} (${change >= 0 ? "+" : ""}${formatNumber(change)})`;
    } else {
      text.textContent = formatNumber(v);
    }
    row.setAttribute("aria-label", `${name} ${labels[i]}: ${text.textContent}${i === highlight ? " (the true class)" : ""}`);
  });
  return list;
}
