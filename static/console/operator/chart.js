// A small bar chart drawn as inline SVG (no library), with the same numbers
// in a table for screen readers and for anyone who prefers figures.

import { el, svg, t, formatNumber } from "../console.js";

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 16, right: 12, bottom: 34, left: 44 };

let charts = 0;

/** A round upper bound for the axis: 1, 2, 5 × 10^n. */
function niceMax(max) {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    if (max <= step * power) return step * power;
  }
  return 10 * power;
}

/**
 * A figure with an SVG bar chart and its data table.
 * `bars`: [{label, value, long}] (`long` is the label spoken and shown in the
 * table); `summary`: one sentence that says what the chart shows;
 * `every`: label every n-th bar on the axis.
 */
export function barChart({ bars, title, summary, valueHeader, labelHeader, every = 1 }) {
  const id = `chart-${++charts}`;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (v) => PAD.top + plotH - (v / max) * plotH;

  const grid = [0, max / 2, max].map((v) =>
    svg(
      "g",
      { class: "grid" },
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }),
      svg("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, formatNumber(v)),
    ),
  );
  const rects = bars.map((b, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const h = (b.value / max) * plotH;
    return svg(
      "g",
      { class: "bar" },
      svg("rect", { x, y: y(b.value), width: barW, height: Math.max(h, b.value > 0 ? 1 : 0) }),
      svg("title", {}, `${b.long}: ${formatNumber(b.value)}`),
    );
  });
  const labels = bars
    .map((b, i) =>
      i % every === 0
        ? svg("text", { class: "axis", x: PAD.left + i * slot + slot / 2, y: HEIGHT - PAD.bottom + 16, "text-anchor": "middle" }, b.label)
        : null,
    )
    .filter(Boolean);
  const drawing = svg(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-labelledby": `${id}-title ${id}-desc`,
      class: "chart",
      preserveAspectRatio: "xMidYMid meet",
    },
    svg("title", { id: `${id}-title` }, title),
    svg("desc", { id: `${id}-desc` }, summary),
    grid,
    svg("line", { class: "baseline", x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0) }),
    rects,
    labels,
  );
  const table = el(
    "table",
    { class: "compact" },
    el("caption", {}, title),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, labelHeader), el("th", { scope: "col", class: "num" }, valueHeader))),
    el(
      "tbody",
      {},
      bars.map((b) => el("tr", {}, el("th", { scope: "row" }, b.long), el("td", { class: "num" }, formatNumber(b.value)))),
    ),
  );
  return el(
    "figure",
    { class: "chart-figure" },
    drawing,
    el("figcaption", { class: "help" }, summary),
    el("details", {}, el("summary", {}, t("chart.table")), el("div", { class: "table-wrap" }, table)),
  );
}
