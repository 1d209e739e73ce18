// Line charts over uPlot. They know nothing of training: each chart takes named series and
// plain (x, values) points, and redraws at most once per animation frame.

import uPlot from "../vendor/uplot/uPlot.esm.js";

/** Colours for series, in order; distinguishable for common colour-vision differences. */
export const PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563"];

const HEIGHT = 190;

/**
 * Create a line chart in `container`.
 * series: [{label, color?, sparse?}] — a sparse series gets only occasional points (drawn as dots,
 * joined across gaps). Options: xLabel, logY, yRange [min, max] (fixed), formatY(value) -> text,
 * emptyText (shown while the chart has no points).
 */
export function createLineChart(container, { series, xLabel = "", logY = false, yRange = null, formatY = null, emptyText = "" }) {
  let defs = series;
  let xs = [];
  let ys = defs.map(() => []);
  let plot = null;
  let pending = false;

  function build() {
    if (plot) plot.destroy();
    const width = Math.max(container.clientWidth, 200);
    const yScale = logY ? { distr: 3, log: 10 } : {};
    if (yRange) yScale.range = () => yRange;
    const axisY = { size: 64 };
    // Huge values (a diverging run) would not fit the axis written out in full.
    const tick = formatY || ((v) => (Math.abs(v) >= 1e5 ? v.toExponential(0) : String(+v.toPrecision(6))));
    axisY.values = (u, ticks) => ticks.map((v) => (v == null ? "" : tick(v)));
    plot = new uPlot(
      {
        width,
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, y: yScale },
        axes: [{ label: xLabel, labelSize: 18, size: 40 }, axisY],
        series: [
          { label: xLabel || "x", value: (u, v) => (v == null ? "–" : v.toFixed(2)) },
          ...defs.map((s, i) => ({
            label: s.label,
            stroke: s.color || PALETTE[i % PALETTE.length],
            width: s.sparse ? 2 : 1.5,
            spanGaps: true,
            points: s.sparse ? { show: true, size: 7 } : { show: false },
            value: (u, v) => (v == null ? "–" : formatY ? formatY(v) : v.toPrecision(3)),
          })),
        ],
      },
      [xs, ...ys],
      container,
    );
  }

  function draw() {
    pending = false;
    plot.setData([xs, ...ys]);
    container.dataset.points = String(xs.length);
  }

  function schedule() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(draw);
    }
  }

  build();
  container.dataset.points = "0";
  container.dataset.empty = emptyText; // shown by the stylesheet while there are no points
  new ResizeObserver(() => {
    const width = Math.max(container.clientWidth, 200);
    if (plot && Math.abs(plot.width - width) > 1) plot.setSize({ width, height: HEIGHT });
  }).observe(container);

  return {
    /** Add one point: values line up with the series; null where a series has no value at x. */
    append(x, values) {
      xs.push(x);
      defs.forEach((s, i) => {
        const v = values[i];
        // A log axis cannot show zero or negatives; such points become gaps.
        ys[i].push(v == null || !Number.isFinite(v) || (logY && v <= 0) ? null : v);
      });
      schedule();
    },
    /** Remove all points, optionally switching to a new list of series. */
    clear(newSeries = null) {
      xs = [];
      if (newSeries) {
        defs = newSeries;
        ys = defs.map(() => []);
        build();
      } else {
        ys = defs.map(() => []);
      }
      schedule();
    },
    /** The labels of the current series. */
    labels: () => defs.map((s) => s.label),
  };
}
