// Equations: the one place that turns the LaTeX the Python side writes (equations.py) into
// something on the page, with KaTeX (bundled with the site, in vendor/katex). KaTeX builds DOM
// nodes and sets styles through the CSSOM, so it runs under the site's strict Content-Security-
// Policy; with MathML beside the HTML, screen readers read the equation itself.

import katex from "../vendor/katex/katex.mjs";

/** Typeset LaTeX `tex` into `element` (its content is replaced). A TeX error shows the source in
 * red instead of throwing: an equation is never worth a broken panel. */
export function renderEquation(element, tex) {
  element.classList.add("equation");
  katex.render(String(tex), element, { throwOnError: false, output: "htmlAndMathml", strict: "ignore" });
}
