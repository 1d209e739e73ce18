// Each hidden unit's own map: what the unit outputs at every point of the square, as a small heat
// map, one row per hidden layer. Each map is scaled by its own largest magnitude (the shape is the
// point: where the unit fires, and with which sign). It knows no network: it draws the arrays given.

import { paintGrid, signedColour } from "./colours.js";

/** Attach the maps to `container`. Returns {draw(units, layers)}. */
export function createUnitMaps(container) {
  let layout = "";
  let canvases = [];

  function build(layers) {
    container.replaceChildren();
    canvases = [];
    layers.forEach((count, layer) => {
      const figure = document.createElement("figure");
      figure.className = "pg-layer";
      const caption = document.createElement("figcaption");
      caption.textContent = `Hidden layer ${layer + 1} (${count} ${count === 1 ? "unit" : "units"})`;
      const row = document.createElement("div");
      row.className = "pg-unit-row";
      for (let unit = 0; unit < count; unit++) {
        const canvas = document.createElement("canvas");
        canvas.className = "pg-unit";
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", `Layer ${layer + 1}, unit ${unit + 1}: its output over the square`);
        row.append(canvas);
        canvases.push(canvas);
      }
      figure.append(caption, row);
      container.append(figure);
    });
    container.dataset.units = String(canvases.length);
  }

  return {
    /** units: a Float32Array with shape [U, r, r], layer by layer; layers: units per layer. */
    draw(units, layers) {
      if (layers.join() !== layout) {
        layout = layers.join();
        build(layers);
      }
      const [count, rows, cols] = units.shape;
      const size = rows * cols;
      for (let u = 0; u < count; u++) {
        const map = units.subarray(u * size, (u + 1) * size);
        let top = 1e-6;
        for (const v of map) top = Math.max(top, Math.abs(v));
        paintGrid(canvases[u], map, rows, cols, (v) => signedColour(v / top));
      }
    },
  };
}
