// Equations: the one place that turns the LaTeX the Python side writes (equations.py) into
// something on the page, with KaTeX (bundled with the site, in vendor/katex). KaTeX builds DOM
// nodes and sets styles through the CSSOM, so it runs under the site's strict Content-Security-
// Policy; with MathML beside the HTML, screen readers read the equation itself. KaTeX (600 KB) is
// loaded when the first equation is shown, not with the page, so that Python's start is not kept
// waiting for it; until then an equation shows its TeX source.

import { loadKatex } from "../libraries.js";

let katex = null;
let loading = null;

function typeset(element, tex) {
  katex.render(tex, element, { throwOnError: false, output: "htmlAndMathml", strict: "ignore" });
}

/** Typeset LaTeX `tex` into `element` (its content is replaced). A TeX error shows the source in
 * red instead of throwing: an equation is never worth a broken panel. */
export function renderEquation(element, tex) {
  tex = String(tex);
  element.classList.add("equation");
  element.dataset.tex = tex;
  if (katex) return typeset(element, tex);
  element.textContent = tex;
  loading ||= loadKatex().then((module) => (katex = module.default));
  loading.then(() => element.dataset.tex === tex && typeset(element, tex)).catch(() => {}); // the source stays shown
}
