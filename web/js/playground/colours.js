// The playground's two class colours, on the page's one sign convention (../colours.js): class 1,
// the positive side, orange; class 0 blue; white for undecided.

import { NEGATIVE, POSITIVE } from "../widgets/colours.js";

export { signedColour } from "../widgets/colours.js";

/** Each class's colour as [r, g, b], and as CSS text. */
export const CLASS_RGB = [NEGATIVE, POSITIVE];
export const CLASS_CSS = CLASS_RGB.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`);

/** Paint `values` (a Float32Array of rows x cols) into `canvas` at that resolution, each value
 * turned into a colour by `colourOf(value) -> [r, g, b]`. */
export function paintGrid(canvas, values, rows, cols, colourOf) {
  if (canvas.width !== cols || canvas.height !== rows) {
    canvas.width = cols;
    canvas.height = rows;
  }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = colourOf(values[i]);
    image.data[4 * i] = r;
    image.data[4 * i + 1] = g;
    image.data[4 * i + 2] = b;
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}
