// Small images on a canvas: any picture from a colour function, a grayscale digit, a mosaic of
// signed images. It knows nothing of networks.

import { diverging, INK, mix, PAPER } from "./colours.js";

/** Paint a canvas of width x height pixels, colourAt(x, y) -> [r, g, b, a?]. */
export function paint(canvas, width, height, colourAt) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = colourAt(x, y);
      const i = 4 * (y * width + x);
      image.data[i] = r;
      image.data[i + 1] = g;
      image.data[i + 2] = b;
      image.data[i + 3] = a;
    }
  }
  ctx.putImageData(image, 0, 0);
}

/** Draw a grayscale image (values in [0, 1] or [0, 255], 1 or 255 = ink) onto a canvas. */
export function drawGray(canvas, values, size = 28, scale = 1) {
  paint(canvas, size, size, (x, y) => mix(PAPER, INK, Math.min(values[y * size + x] / scale, 1)));
}

/** Draw k small square images (a typed array shaped (k, size, size), values in [-1, 1], in the
 * diverging colours) as one mosaic of `columns` columns. */
export function drawMosaic(canvas, images, columns = 16) {
  const [count, size] = images.shape;
  const gap = 2;
  const cols = Math.min(columns, count);
  const rowsCount = Math.ceil(count / cols);
  const cell = size + gap;
  paint(canvas, cols * cell - gap, rowsCount * cell - gap, (x, y) => {
    const index = Math.floor(y / cell) * cols + Math.floor(x / cell);
    const px = x % cell;
    const py = y % cell;
    if (index >= count || px >= size || py >= size) return [0, 0, 0, 0];
    return diverging(images[(index * size + py) * size + px]);
  });
  canvas.style.width = `${(cols * cell - gap) * Math.max(1, Math.round(56 / size))}px`;
}
