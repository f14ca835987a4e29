// The dashboard: trips running now with their open sessions, scans per hour
// over the last 24 hours, the titles most opened today. The page refreshes
// it every 30 seconds while the tab is visible (see operator.js).

import { api, el, t, count, errorBox, formatNumber, lang } from "../console.js";
import { barChart } from "../chart.js";
import { table, sessionsText, tripName, route } from "./common.js";
import { clockZoned, localDay, browserZone } from "./time.js";

let data = null;
let failure = null;
let updatedAt = null;

const $ = (id) => document.getElementById(id);

/** Loads the dashboard of the browser's day and draws it. */
export async function refresh() {
  try {
    data = await api(`/api/v1/operator/dashboard?date=${localDay()}`);
    failure = null;
    updatedAt = new Date();
  } catch (error) {
    failure = error;
  }
  render();
}

export async function show() {
  if (!data) $("dash-running").replaceChildren(el("p", { class: "help" }, t("loading")));
  await refresh();
}

export function render() {
  const updated = $("dash-updated");
  updated.textContent = updatedAt
    ? t("dashboard.updated", {
        time: new Intl.DateTimeFormat(lang(), { timeStyle: "medium", hourCycle: "h23" }).format(updatedAt),
      })
    : "";
  if (failure) {
    updated.replaceChildren(updated.textContent ? `${updated.textContent} ` : "", errorBox(failure));
  }
  if (!data) return;
  const running = data.trips.filter((trip) => trip.status === "running");
  const today = data.trips.filter((trip) => trip.service_date === data.date);
  const live = running.map((trip) => trip.live_sessions);
  const openSessions = live.some((n) => n === null) ? null : live.reduce((a, b) => a + b, 0);
  const scans = data.scans_per_hour.reduce((a, b) => a + b.scans, 0);
  $("dash-figures").replaceChildren(
    figure("dashboard.fig.running", formatNumber(running.length), "fig-running"),
    figure("dashboard.fig.sessions", sessionsText(openSessions), "fig-sessions"),
    figure("dashboard.fig.scans", formatNumber(scans), "fig-scans"),
    figure("dashboard.fig.today", formatNumber(today.length), "fig-today"),
  );
  $("dash-running").replaceChildren(runningTable(running));
  $("dash-chart").replaceChildren(scansChart(data.scans_per_hour));
  $("dash-top").replaceChildren(topTable(data.top_titles));
}

function figure(key, value, id) {
  return el("div", { class: "figure", id }, el("dt", {}, t(key)), el("dd", {}, value));
}

function runningTable(running) {
  if (!running.length) return el("p", { id: "dash-running-empty" }, t("dashboard.none"));
  const sorted = [...running].sort((a, b) => a.arrives_at.localeCompare(b.arrives_at));
  return table({
    id: "dash-running-table",
    caption: t("dashboard.running"),
    captionHidden: true,
    columns: [
      { label: t("col.train"), header: true },
      { label: t("col.route") },
      { label: t("col.arrives") },
      { label: t("col.sessions"), num: true },
    ],
    rows: sorted.map((trip) => [
      el("a", { href: `#trip/${trip.id}` }, tripName(trip)),
      route(trip),
      clockZoned(trip.arrives_at, trip.timezone),
      el("span", { dataset: { trip: trip.id, sessions: trip.live_sessions ?? "" } }, sessionsText(trip.live_sessions)),
    ]),
  });
}

function scansChart(hours) {
  const zone = browserZone();
  const hourOf = (iso) => new Intl.DateTimeFormat(lang(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }).format(new Date(iso));
  const bars = hours.map((h) => ({ key: h.hour, label: hourOf(h.hour), long: hourOf(h.hour), value: h.scans }));
  const total = hours.reduce((a, b) => a + b.scans, 0);
  const peak = hours.reduce((best, h) => (h.scans > best.scans ? h : best), hours[0] || { scans: 0 });
  const summary = total
    ? t("chart.scans.summary", { total: formatNumber(total), peak: formatNumber(peak.scans), hour: hourOf(peak.hour), zone })
    : t("chart.scans.none", { zone });
  return barChart({
    id: "dash-scans",
    bars,
    title: t("dashboard.scans"),
    captionHidden: true,
    summary,
    labelHeader: t("chart.hour"),
    valueHeader: t("chart.scans"),
  });
}

function topTable(top) {
  if (!top.length) return el("p", { id: "dash-top-empty" }, t("dashboard.noTitles"));
  return table({
    id: "dash-top-table",
    caption: t("dashboard.top"),
    captionHidden: true,
    columns: [
      { label: t("col.rank"), num: true },
      { label: t("col.title"), header: true },
      { label: t("col.publisher") },
      { label: t("col.opened"), num: true },
      { label: t("col.minutes"), num: true },
    ],
    rows: top.map((title, i) => [
      formatNumber(i + 1),
      title.name || title.title,
      title.publisher_name || title.publisher,
      count(title.sessions),
      count(title.reading_minutes),
    ]),
  });
}
