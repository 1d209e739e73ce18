// The playground's two class colours and the heat-map scale between them: orange for class 0,
// blue for class 1 (told apart with the common colour-vision differences), white for undecided.

/** Each class's colour as [r, g, b], and as CSS text. */
export const CLASS_RGB = [[232, 113, 10], [8, 119, 189]];
export const CLASS_CSS = CLASS_RGB.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`);

const WHITE = [255, 255, 255];

/** The colour of a value in [-1, 1]: class 0's below zero, class 1's above, fading to white at
 * zero; `strength` (0-1) caps how far from white it goes, so points drawn on top stay visible. */
export function signedColour(value, strength = 1) {
  const v = Math.max(-1, Math.min(1, Number.isFinite(value) ? value : 0));
  const target = CLASS_RGB[v < 0 ? 0 : 1];
  const a = Math.abs(v) * strength;
  return WHITE.map((w, i) => Math.round(w + (target[i] - w) * a));
}

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
