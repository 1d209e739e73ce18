// The libraries the site ships in vendor/, imported from this one place. It sits beside the entry
// points (main.js), so these paths hold in the source and in the bundles build.py makes alike.

export { default as uPlot } from "../vendor/uplot/uPlot.esm.js";

/** CodeMirror 6, bundled by build.py (web/bundles/codemirror.js), loaded when the editor opens. */
export const loadCodeMirror = () => import("../vendor/codemirror/codemirror.js");

/** KaTeX, loaded when the first equation is shown. */
export const loadKatex = () => import("../vendor/katex/katex.mjs");
