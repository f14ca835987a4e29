// Reports: a date range and a grouping, the table (with totals), a chart of
// one measure per day, and the CSV link for the same range.
import { api, count, describeError, el, formatDate, lang, onLanguageChange, t } from "../console.js";
import { barChart } from "../chart.js";
import { getTitle, onTitlesChange } from "./store.js";

const METRICS = ["sessions", "chapters_read", "reading_minutes", "excerpts_finished", "offer_clicks"];
let last = null;

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** Every day from `from` to `to` (YYYY-MM-DD, UTC calendar days). */
function daysBetween(from, to) {
  const days = [];
  const day = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (day <= end && days.length < 400) {
    days.push(isoDay(day));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}

/** "14 Mar" or "Mar 14": a calendar day without its year, for the chart's axis. */
function shortDay(day) {
  return new Intl.DateTimeFormat(lang(), { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

/** Wires the form with the last 30 days and loads the first report. */
export function setupReports() {
  const form = document.getElementById("reports-form");
  const from = document.getElementById("reports-from");
  const to = document.getElementById("reports-to");
  const today = new Date();
  to.value = isoDay(today);
  from.value = isoDay(new Date(today.getTime() - 29 * 86400000));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  for (const input of form.querySelectorAll("input, select")) input.addEventListener("change", updateCsvLink);
  document.getElementById("chart-metric").addEventListener("change", renderChart);
  onLanguageChange(render);
  onTitlesChange(() => last && renderTable());
  updateCsvLink();
  return load();
}

function query() {
  return {
    from: document.getElementById("reports-from").value,
    to: document.getElementById("reports-to").value,
    group: document.getElementById("reports-group").value,
  };
}

function updateCsvLink() {
  const { from, to, group } = query();
  const params = new URLSearchParams({ from, to, group });
  document.getElementById("reports-csv").href = `/api/v1/publisher/reports.csv?${params}`;
}

async function load() {
  const { from, to, group } = query();
  const error = document.getElementById("reports-error");
  error.hidden = true;
  if (!from || !to || from > to) {
    error.hidden = false;
    error.textContent = t("reports.badRange");
    document.getElementById("reports-from").focus();
    return;
  }
  updateCsvLink();
  try {
    const params = (g) => new URLSearchParams({ from, to, group: g });
    const table = await api(`/api/v1/publisher/reports?${params(group)}`);
    const byDay = group === "day" ? table : await api(`/api/v1/publisher/reports?${params("day")}`);
    last = { from, to, group, table, byDay };
    render();
  } catch (caught) {
    error.hidden = false;
    error.textContent = caught.code === "report-query-invalid" ? `${t("reports.badQuery")} ${caught.detail}` : describeError(caught);
  }
}

function render() {
  if (!last) return;
  renderTable();
  renderChart();
}

function groupCell(dimension, row) {
  const value = row[dimension];
  if (dimension === "title") {
    const title = getTitle(value);
    return el("th", { scope: "row", dir: "auto" }, title ? title.title : t("reports.deletedTitle", { id: value }));
  }
  if (dimension === "day") return el("th", { scope: "row" }, formatDate(value));
  return el("th", { scope: "row", dir: "auto" }, value || t("reports.noLine"));
}

function renderTable() {
  const { table } = last;
  const node = document.getElementById("reports-table");
  const dims = table.group;
  const empty = table.rows.length === 0;
  document.getElementById("reports-empty").hidden = !empty;
  node.hidden = empty;
  if (empty) return node.replaceChildren();
  const head = el(
    "tr",
    {},
    dims.map((d) => el("th", { scope: "col" }, t(`reports.group.${d}`))),
    METRICS.map((m) => el("th", { scope: "col", class: "num" }, t(`metric.${m}`))),
  );
  const rows = table.rows.map((row) =>
    el("tr", {}, dims.map((d) => groupCell(d, row)), METRICS.map((m) => el("td", { class: "num" }, count(row[m])))),
  );
  const totals = el(
    "tr",
    {},
    el("th", { scope: "row", colspan: String(dims.length) }, t("reports.total")),
    METRICS.map((m) => el("td", { class: "num" }, count(table.totals[m]))),
  );
  node.replaceChildren(
    el("caption", {}, t("reports.caption", { from: formatDate(table.from), to: formatDate(table.to) })),
    el("thead", {}, head),
    el("tbody", {}, rows),
    el("tfoot", {}, totals),
  );
}

function renderChart() {
  if (!last) return;
  const metric = document.getElementById("chart-metric").value;
  const holder = document.getElementById("reports-chart");
  const values = new Map(last.byDay.rows.map((row) => [row.day, row[metric]]));
  const days = daysBetween(last.from, last.to);
  const bars = days.map((day) => ({ key: day, label: shortDay(day), long: formatDate(day), value: values.get(day) ?? 0 }));
  const busiest = bars.reduce((best, b) => (typeof b.value === "number" && b.value > (best?.value ?? 0) ? b : best), null);
  const name = t(`metric.${metric}`);
  holder.hidden = last.byDay.rows.length === 0;
  holder.replaceChildren(
    barChart({
      id: "reports-chart-figure",
      bars,
      title: t("chart.caption", { metric: name, from: formatDate(last.from), to: formatDate(last.to) }),
      summary: t("chart.summary", { metric: name, total: count(last.byDay.totals[metric]), best: busiest ? busiest.long : "—" }),
      labelHeader: t("reports.group.day"),
      valueHeader: name,
      maxLabels: 6,
    }),
  );
}
