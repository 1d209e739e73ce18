// The editor's mark on the line where the learner's code failed (Check's error, or the error of
// code that cannot run): a line decoration that follows edits until the next check replaces it,
// scrolled into view. Test contract: [data-testid=code-error-line] carries data-line.

/** cm: the CodeMirror bundle. Returns {field (an extension), mark (the effect), effects(state, line)}. */
export function createErrorLine(cm) {
  const mark = cm.StateEffect.define();
  const field = cm.StateField.define({
    create: () => cm.Decoration.none,
    update(marks, tr) {
      for (const effect of tr.effects) {
        if (!effect.is(mark)) continue;
        if (!effect.value) return cm.Decoration.none;
        const { number, from } = effect.value;
        const attributes = { class: "cm-error-line", "data-testid": "code-error-line", "data-line": String(number) };
        return cm.Decoration.set([cm.Decoration.line({ attributes }).range(from)]);
      }
      return marks.map(tr.changes);
    },
    provide: (f) => cm.EditorView.decorations.from(f),
  });
  /** The effects that mark line `number` (1-based; null: no mark) of `state`'s text. */
  function effects(state, number) {
    if (!number || number < 1) return [mark.of(null)];
    const line = state.doc.line(Math.min(number, state.doc.lines));
    return [mark.of({ number: line.number, from: line.from }), cm.EditorView.scrollIntoView(line.from, { y: "center" })];
  }
  return { field, mark, effects };
}
