// Trips of a day: state, status and open sessions, times in each trip's zone.

import { api, el, t, errorBox, formatDate, formatNumber } from "../console.js";
import { table, statusPill, sessionsText, route } from "./common.js";
import { clockZoned, localDay, addDays, minutesBetween } from "./time.js";

let day = null;
let trips = null;
let live = new Map();
let failure = null;
let navigate = () => {};

const $ = (id) => document.getElementById(id);

/** The day the list shows ("YYYY-MM-DD"). */
export function currentDay() {
  return day || localDay();
}

/** Wires the day picker once; `go(hash)` changes the page's address without moving focus. */
export function init(go) {
  navigate = go;
  $("trips-form").addEventListener("submit", (e) => e.preventDefault());
  $("trips-date").addEventListener("change", () => {
    if (/^\d{4}-\d{2}-\d{2}$/.test($("trips-date").value)) pick($("trips-date").value);
  });
  $("trips-prev").addEventListener("click", () => pick(addDays(currentDay(), -1)));
  $("trips-next").addEventListener("click", () => pick(addDays(currentDay(), 1)));
  $("trips-today").addEventListener("click", () => pick(localDay()));
}

function pick(date) {
  navigate(`#trips/${date}`);
}

export async function show(arg) {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(arg || "") ? arg : day || localDay();
  if (date !== day) {
    trips = null;
    live = new Map();
  }
  day = date;
  $("trips-date").value = date;
  if (!trips) $("trips-list").replaceChildren(el("p", { class: "help" }, t("loading")));
  await refresh();
}

/** Reloads the day's trips, and their status and open sessions from the dashboard. */
export async function refresh() {
  const date = currentDay();
  const [listed, dash] = await Promise.allSettled([
    api(`/api/v1/operator/trips?date=${date}`),
    api(`/api/v1/operator/dashboard?date=${date}`),
  ]);
  if (date !== currentDay()) return;
  if (listed.status === "fulfilled") {
    trips = listed.value.trips;
    failure = null;
  } else {
    failure = listed.reason;
  }
  live = new Map();
  if (dash.status === "fulfilled") {
    for (const trip of dash.value.trips) live.set(trip.id, trip);
  }
  render();
}

export function render() {
  const holder = $("trips-list");
  const focused = document.activeElement?.dataset?.key;
  $("trips-summary").textContent = trips
    ? t("trips.summary", { count: formatNumber(trips.length), day: formatDate(currentDay()) })
    : "";
  if (failure && !trips) {
    holder.replaceChildren(errorBox(failure));
    return;
  }
  if (!trips) return;
  if (!trips.length) {
    holder.replaceChildren(el("p", { id: "trips-empty" }, t("trips.empty")));
    return;
  }
  const sorted = [...trips].sort((a, b) => a.departs_at.localeCompare(b.departs_at) || a.id - b.id);
  holder.replaceChildren(
    failure ? errorBox(failure) : "",
    table({
      id: "trips-table",
      caption: t("trips.caption", { day: formatDate(currentDay()) }),
      captionHidden: true,
      columns: [
        { label: t("col.train"), header: true },
        { label: t("col.line") },
        { label: t("col.route") },
        { label: t("col.departs") },
        { label: t("col.arrives") },
        { label: t("col.status") },
        { label: t("col.sessions"), num: true },
      ],
      rows: sorted.map((trip) => row(trip)),
    }),
  );
  if (focused) holder.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}

function row(trip) {
  const now = live.get(trip.id);
  const status = trip.state === "cancelled" ? "cancelled" : now?.status;
  const late = minutesBetween(trip.scheduled_arrives_at, trip.arrives_at);
  return [
    el("a", { href: `#trip/${trip.id}`, dataset: { key: `trip-${trip.id}` } }, trip.train_number),
    trip.line,
    route(trip),
    el("time", { datetime: trip.departs_at }, clockZoned(trip.departs_at, trip.timezone)),
    [
      el("time", { datetime: trip.arrives_at }, clockZoned(trip.arrives_at, trip.timezone)),
      late > 0 ? el("span", { class: "late" }, ` ${t("trip.late", { minutes: formatNumber(late) })}`) : "",
    ],
    statusPill(status),
    el("span", { dataset: { sessions: now?.live_sessions ?? "" } }, now ? sessionsText(now.live_sessions) : "–"),
  ];
}
