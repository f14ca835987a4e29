// The consoles' bar chart, drawn as inline SVG (no library): scans per hour
// on the operator dashboard, one report measure per day for publishers. The
// same figures are in a table under the chart, and a sentence says what it
// shows, so nobody needs to read bars. Counts hidden for privacy ("< 5") are
// drawn hatched, up to their bound.

import { el, svg, t, count } from "./console.js";

const WIDTH = 760;
const HEIGHT = 240;
const PAD = { top: 16, right: 16, bottom: 36, left: 52 };

let charts = 0;

/** The bound of a suppressed count such as "< 5" (5), or null for a number. */
function bound(value) {
  if (typeof value === "number") return null;
  const match = /^<\s*(\d+)/.exec(String(value ?? ""));
  return match ? Number(match[1]) : 0;
}

/** How tall a bar is drawn: the number, or the bound of a suppressed count. */
function drawn(value) {
  return typeof value === "number" ? value : bound(value);
}

/**
 * Axis ticks from 0 to a round top at or above `max`: steps of 1, 2 or 5
 * × 10ⁿ, at most 5 intervals. Counts (`integer`) never get a step below 1,
 * so a chart of 1 scan reads 0 and 1, not 0, 0.5 and 1.
 */
export function ticks(max, { integer = true } = {}) {
  const top = max > 0 ? max : 1;
  const raw = top / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  if (integer) step = Math.max(1, Math.round(step));
  const last = Math.ceil(top / step - 1e-9) * step;
  const values = [];
  for (let v = 0; v <= last + step / 2; v += step) values.push(Number(v.toPrecision(12)));
  return values;
}

/**
 * A <figure> with a bar chart, a sentence and the figures as a table.
 * - `id`: prefix of the ids inside (`{id}-caption`, `{id}-summary`).
 * - `bars`: [{key, label, long, value}]: `label` under the axis, `long` in
 *   the table and the bar's tooltip, `value` a number or a suppressed count
 *   such as "< 5"; `key` goes to the bar's data-key.
 * - `title`: the caption (visually hidden with `captionHidden` when a heading
 *   above already says it); `summary`: what the chart shows, in one sentence.
 * - `labelHeader`, `valueHeader`: the table's column headers.
 * - `maxLabels`: how many axis labels fit (every n-th bar is labelled).
 * - `integer`: values are counts, so ticks are whole numbers.
 */
export function barChart({ id, bars, title, summary, labelHeader, valueHeader, captionHidden = false, maxLabels = 8, integer = true }) {
  const prefix = id || `chart-${++charts}`;
  const values = ticks(Math.max(0, ...bars.map((b) => drawn(b.value))), { integer });
  const top = values[values.length - 1];
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(1, slot * 0.7);
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const hatch = `${prefix}-hatch`;
  const suppressed = bars.some((b) => typeof b.value !== "number");

  const grid = values.map((v) =>
    svg(
      "g",
      { class: "grid" },
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }),
      svg("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, count(v)),
    ),
  );
  const rects = bars.map((b, i) => {
    const hidden = typeof b.value !== "number";
    const h = (drawn(b.value) / top) * plotH;
    return svg(
      "rect",
      {
        class: hidden ? "bar suppressed" : "bar",
        fill: hidden ? `url(#${hatch})` : null,
        x: PAD.left + i * slot + (slot - barW) / 2,
        y: PAD.top + plotH - h,
        width: barW,
        height: h,
        dataset: { key: b.key ?? String(i), value: String(b.value) },
      },
      svg("title", {}, `${b.long}: ${count(b.value)}`),
    );
  });
  const every = Math.max(1, Math.ceil(bars.length / maxLabels));
  const labels = bars.map((b, i) =>
    i % every === 0
      ? svg("text", { class: "axis", x: PAD.left + i * slot + slot / 2, y: HEIGHT - PAD.bottom + 18, "text-anchor": "middle" }, b.label)
      : null,
  );
  const drawing = svg(
    "svg",
    {
      class: "chart-svg",
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-labelledby": `${prefix}-caption`,
      "aria-describedby": `${prefix}-summary`,
      preserveAspectRatio: "xMidYMid meet",
    },
    svg(
      "defs",
      {},
      svg(
        "pattern",
        { id: hatch, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
        svg("rect", { width: 6, height: 6, class: "hatch-bg" }),
        svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "hatch-line" }),
      ),
    ),
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
      bars.map((b) => el("tr", {}, el("th", { scope: "row" }, b.long), el("td", { class: "num" }, count(b.value)))),
    ),
  );
  return el(
    "figure",
    { class: "chart", id: prefix },
    el("figcaption", { id: `${prefix}-caption`, class: captionHidden ? "visually-hidden" : null }, title),
    drawing,
    el("p", { id: `${prefix}-summary`, class: "help" }, summary, suppressed ? ` ${t("chart.legend")}` : ""),
    el("details", {}, el("summary", {}, t("chart.table")), el("div", { class: "table-wrap" }, table)),
  );
}
