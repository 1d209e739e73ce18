// A model's evaluation on the test set, drawn: the confusion matrix (each cell with digits in it
// a button that shows them) and the gallery of mistakes. It renders plain data from the worker.

import { drawGray } from "../widgets/images.js";
import { captionedTable } from "../widgets/table.js";

/** Render a 10x10 confusion matrix as a shaded table (rows: true digit, columns: predicted). */
export function drawConfusion(container, confusion) {
  const table = captionedTable("confusion", "Confusion matrix: rows are true digits, columns are predicted digits; the outlined diagonal is right, italic counts are mistakes");
  const head = document.createElement("tr");
  head.innerHTML = `<th scope="col"><abbr title="true digit \\ predicted digit">true\\pred</abbr></th>` +
    confusion.map((_, j) => `<th scope="col">${j}</th>`).join("") + `<th scope="col">right</th>`;
  const thead = document.createElement("thead");
  thead.append(head);
  const tbody = document.createElement("tbody");
  let roving = false; // a cell button is already the table's tab stop
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = String(i);
    tr.append(th);
    row.forEach((count, j) => {
      const td = document.createElement("td");
      const share = count / total;
      td.title = `true ${i}, predicted ${j}: ${count} (${(100 * share).toFixed(1)}% of the ${i}s)`;
      if (count > 0) {
        // A cell with digits in it is a button that shows them (one tab stop: arrows move within).
        const button = td.appendChild(document.createElement("button"));
        button.type = "button";
        button.className = "cell-button";
        button.dataset.label = String(i);
        button.dataset.predicted = String(j);
        button.tabIndex = roving ? -1 : 0;
        roving = true;
        button.textContent = String(count);
        button.setAttribute("aria-label", `${td.title}. Show these digits.`);
      } else {
        td.textContent = "0";
      }
      if (i === j) {
        td.className = "diag";
        td.style.background = `rgba(22, 163, 74, ${(0.15 + 0.6 * share).toFixed(3)})`;
      } else if (count > 0) {
        td.className = "miss";
        // Mistakes are rare; a square-root scale keeps small counts visible.
        td.style.background = `rgba(220, 38, 38, ${Math.min(0.85, 0.08 + 2.2 * Math.sqrt(share) * 0.5).toFixed(3)})`;
      }
      tr.append(td);
    });
    const right = document.createElement("td");
    right.className = "row-acc num";
    right.textContent = `${((100 * row[i]) / total).toFixed(1)}%`;
    tr.append(right);
    tbody.append(tr);
  });
  table.append(thead, tbody);
  container.replaceChildren(table);
}

/** Show misclassified digits, each with its true label, the prediction and its confidence. */
export function drawMistakes(container, mistakes) {
  container.replaceChildren();
  delete container.dataset.filter; // a fresh gallery shows every mistake
  const opens = container.dataset.opens === "true"; // each digit opens in the inspector
  if (!mistakes.length) {
    container.innerHTML = `<p class="muted small">No mistakes on the test set.</p>`;
    return;
  }
  for (const m of mistakes) {
    const figure = document.createElement("figure");
    figure.className = "mistake";
    const canvas = document.createElement("canvas");
    canvas.className = "pixelated";
    drawGray(canvas, m.pixels, 28, 255);
    const confidence = `${Math.round(100 * m.confidence)}%`;
    canvas.setAttribute("aria-label", `A ${m.label} that the network read as ${m.predicted} (${confidence} sure)`);
    const caption = document.createElement("figcaption");
    caption.innerHTML = `<span class="true">${m.label}</span> → <strong>${m.predicted}</strong> <span class="muted">${confidence}</span>`;
    figure.dataset.index = String(m.index);
    if (opens) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "mistake-open";
      button.dataset.index = String(m.index);
      button.setAttribute("aria-label", `${canvas.getAttribute("aria-label")}: test digit ${m.index}. Open it in the inspector.`);
      button.append(canvas);
      figure.append(button, caption);
    } else {
      figure.append(canvas, caption);
    }
    container.append(figure);
  }
}
