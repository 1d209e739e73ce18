// A table with a caption for screen readers. It knows nothing of networks.

/** A table of class `className` whose caption, for screen readers only, says what it shows. */
export function captionedTable(className, captionText) {
  const table = document.createElement("table");
  table.className = className;
  const caption = document.createElement("caption");
  caption.className = "visually-hidden";
  caption.textContent = captionText;
  table.append(caption);
  return table;
}
