// A bar chart over time drawn as inline SVG (no library): one bar per day,
// small counts ("< 5") drawn as hatched bars up to 5 and labelled as given.
import { count, el, formatDate, formatNumber, svg, t } from "../console.js";

const WIDTH = 760;
const HEIGHT = 260;
const PAD = { top: 16, right: 12, bottom: 40, left: 56 };

/** Every day from `from` to `to` (YYYY-MM-DD, UTC calendar days). */
export function daysBetween(from, to) {
  const days = [];
  const day = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (day <= end && days.length < 400) {
    days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}

function niceMax(value) {
  if (value <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

/**
 * The chart of `metric` per day: `values` maps a day to a number or "< 5",
 * `total` is the report's exact total for the period.
 * Returns a <figure> whose SVG has a text alternative; the table beside it
 * carries the same figures for screen readers.
 */
export function dayChart({ days, values, total, metric, captionId }) {
  const numbers = days.map((day) => values.get(day) ?? 0);
  const height = (v) => (typeof v === "number" ? v : 5);
  const max = niceMax(Math.max(...numbers.map(height), 1));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const step = innerW / Math.max(days.length, 1);
  const barW = Math.max(1, step * 0.75);
  const y = (v) => PAD.top + innerH - (height(v) / max) * innerH;

  const grid = [0, max / 2, max].map((v) =>
    svg(
      "g",
      { class: "grid" },
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }),
      svg("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, formatNumber(v)),
    ),
  );
  const bars = days.map((day, i) => {
    const v = numbers[i];
    if (v === 0) return null;
    const x = PAD.left + i * step + (step - barW) / 2;
    return svg(
      "rect",
      {
        x,
        y: y(v),
        width: barW,
        height: PAD.top + innerH - y(v),
        class: typeof v === "number" ? "bar" : "bar suppressed",
        dataset: { day, value: String(v) },
      },
      svg("title", {}, t("chart.bar", { day: formatDate(day), value: count(v) })),
    );
  });
  const labelDays = days.length > 2 ? [0, Math.floor((days.length - 1) / 2), days.length - 1] : days.map((_, i) => i);
  const anchor = (i) => (i === 0 ? "start" : i === days.length - 1 ? "end" : "middle");
  const labelX = (i) => (i === 0 ? PAD.left : i === days.length - 1 ? WIDTH - PAD.right : PAD.left + i * step + step / 2);
  const labels = labelDays.map((i) =>
    svg("text", { x: labelX(i), y: HEIGHT - PAD.bottom + 18, "text-anchor": anchor(i), class: "axis" }, formatDate(days[i])),
  );
  const best = numbers.reduce((b, v, i) => (typeof v === "number" && v > (numbers[b] ?? -1) ? i : b), 0);
  const summary = t("chart.summary", {
    metric: t(`metric.${metric}`),
    total: count(total),
    best: typeof numbers[best] === "number" && numbers[best] > 0 ? formatDate(days[best]) : "—",
  });
  const pattern = svg(
    "defs",
    {},
    svg(
      "pattern",
      { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      svg("rect", { width: 6, height: 6, class: "hatch-bg" }),
      svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "hatch-line" }),
    ),
  );
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-labelledby": captionId, "aria-describedby": `${captionId}-summary`, class: "chart-svg" },
    pattern,
    grid,
    svg("line", { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + innerH, class: "axis-line" }),
    bars,
    labels,
  );
  return [
    el("figcaption", { id: captionId }, t("chart.caption", { metric: t(`metric.${metric}`), from: formatDate(days[0]), to: formatDate(days[days.length - 1]) })),
    chart,
    el("p", { id: `${captionId}-summary`, class: "help" }, summary, " ", t("chart.legend")),
  ];
}
