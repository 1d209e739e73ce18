// The parts of CodeMirror 6 the code panel uses, bundled by build.py with esbuild into
// dist/vendor/codemirror/codemirror.js (one static, self-hosted ES module).
export { EditorView, basicSetup } from "codemirror";
export { Decoration } from "@codemirror/view";
export { EditorState, Compartment, StateEffect, StateField } from "@codemirror/state";
export { python } from "@codemirror/lang-python";
