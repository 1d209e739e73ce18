// Line charts over uPlot. They know nothing of training: each chart takes named series and
// plain (x, values) points, and redraws at most once per animation frame. Behind them a chart can
// draw faint background lines (earlier runs, say), each with its own x values and its own entry in
// the legend. The x axis starts at 0 and ends where the chart's own series end (or at the end set
// with setXMax): a background line that runs further is cut off, not squeezing the series.

import { uPlot } from "../libraries.js";

// An axis range that fits [min, max] with a little room, within [limits[0], limits[1]].
function zoomed(min, max, limits) {
  if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) return limits;
  const pad = Math.max((max - min) * 0.1, 0.005 * (limits[1] - limits[0]));
  return [Math.max(limits[0], min - pad), Math.min(limits[1], max + pad)];
}

/** Colours for series, in order; distinguishable for common colour-vision differences. */
export const PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563"];

const DASHES = [[], [6, 3], [2, 3], [9, 3, 2, 3], [4, 4]]; // earlier runs told apart without colour
const HEIGHT = 190; // unless the page's --chart-height says otherwise (the compact layout)

/**
 * Create a line chart in `container`.
 * series: [{label, color?, sparse?}] — a sparse series gets only occasional points (drawn as dots,
 * joined across gaps). Options: xLabel, logY, yRange [min, max] (fixed), zoomY [min, max] (the
 * axis fits the data, within these limits), formatY(value) -> text, emptyText (shown while the
 * chart has no points).
 */
export function createLineChart(container, { series, xLabel = "", logY = false, yRange = null, zoomY = null, formatY = null, emptyText = "" }) {
  let defs = series;
  let xs = [];
  let ys = defs.map(() => []);
  let background = []; // [{xs, ys, sparse, label}]: faint lines behind the series
  let xMax = null; // where the x axis ends (null: at the series' last point)
  let plot = null;
  let pending = false;

  const height = () => Number(getComputedStyle(container).getPropertyValue("--chart-height")) || HEIGHT;

  function build() {
    if (plot) plot.destroy();
    const width = Math.max(container.clientWidth, 200);
    const yScale = logY ? { distr: 3, log: 10 } : {};
    // The current run sets the axis; an earlier run's faint line may run off it (a diverged one would flatten all).
    if (background.length && !logY) yScale.range = (u, min, max) => uPlot.rangeNum(...ownExtent(min, max), 0.1, true);
    if (zoomY) yScale.range = (u, min, max) => zoomed(...ownExtent(min, max), zoomY);
    if (yRange) yScale.range = () => yRange;
    const axisY = { size: 64 };
    // Huge values (a diverging run) would not fit the axis written out in full.
    const tick = formatY || ((v) => (Math.abs(v) >= 1e5 ? v.toExponential(0) : String(+v.toPrecision(6))));
    axisY.values = (u, ticks) => ticks.map((v) => (v == null ? "" : tick(v)));
    plot = new uPlot(
      {
        width,
        height: height(),
        cursor: { drag: { x: false, y: false } },
        hooks: { draw: [noteRanges] },
        scales: { x: { time: false, range: (u, min, max) => [0, xEnd(max)] }, y: yScale },
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
          ...background.map((b) => ({
            label: b.label || "earlier run",
            // Each earlier run in the legend once: its sparse companion (test points) is left out (course.css).
            class: b.sparse || !b.label ? "background-series" : "background-run",
            stroke: "rgba(100, 116, 139, 0.55)",
            dash: DASHES[b.run % DASHES.length],
            width: 1,
            spanGaps: true,
            value: (u, v) => (v == null ? "–" : formatY ? formatY(v) : v.toPrecision(3)),
            points: b.sparse ? { show: true, size: 4, stroke: "rgba(100, 116, 139, 0.4)", fill: "rgba(100, 116, 139, 0.25)" } : { show: false },
          })),
        ],
      },
      data(),
      container,
    );
  }

  // The x axis's end: the one set, else the series' last x, else (only background lines) the data's.
  function xEnd(max) {
    const own = xMax ?? (xs.length ? Math.max(...xs) : null);
    const end = own ?? max;
    return end > 0 ? end : 1;
  }

  // The smallest and largest value of the series themselves (not the background); else [min, max].
  function ownExtent(min, max) {
    const values = ys.flat().filter((v) => v != null);
    return values.length ? [Math.min(...values), Math.max(...values)] : [min, max];
  }

  // The series and the background lines over the union of their x values (uPlot wants one x array).
  function data() {
    if (!background.length) return [xs, ...ys];
    const all = [...new Set([...xs, ...background.flatMap((b) => b.xs)])].sort((a, b) => a - b);
    const at = new Map(all.map((x, i) => [x, i]));
    const spread = (pointXs, values) => {
      const out = new Array(all.length).fill(null);
      pointXs.forEach((x, j) => {
        if (values[j] != null) out[at.get(x)] = values[j];
      });
      return out;
    };
    return [all, ...ys.map((values) => spread(xs, values)), ...background.map((b) => spread(b.xs, b.ys))];
  }

  function draw() {
    pending = false;
    plot.setData(data());
    container.dataset.points = String(xs.length);
    container.dataset.background = String(background.length);
  }

  // The axes' ranges as drawn, for tests and assistive tech (the axes themselves are on a canvas).
  function noteRanges(u) {
    for (const key of ["x", "y"]) {
      const { min, max } = u.scales[key];
      container.dataset[`${key}Min`] = min == null ? "" : String(min);
      container.dataset[`${key}Max`] = max == null ? "" : String(max);
    }
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
    if (plot && (Math.abs(plot.width - width) > 1 || plot.height !== height())) plot.setSize({ width, height: height() });
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
    /** Where the x axis ends (the planned length of a run, say); null: at the series' last point. */
    setXMax(value) {
      if (value === xMax) return;
      xMax = value;
      schedule();
    },
    /**
     * Faint lines behind the series: [{points: [[x, y], ...], sparse?, label?, run?}] (none: []).
     * A line with a label gets an entry in the legend; lines of the same run share a dash pattern.
     */
    setBackground(lines) {
      background = lines.map((line) => ({
        label: line.label || "",
        run: line.run || 0,
        xs: line.points.map((p) => p[0]),
        ys: line.points.map((p) => (p[1] == null || !Number.isFinite(p[1]) || (logY && p[1] <= 0) ? null : p[1])),
        sparse: Boolean(line.sparse),
      }));
      build();
      schedule();
    },
  };
}
