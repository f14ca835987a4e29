// The live timetable: where the operator's GTFS-Realtime feeds are, the
// header the producer wants (its value is never shown back), how often they
// are fetched and when their data counts as stale; and what the last fetches
// did (age of the data, entities applied, the first unknown trips and
// vehicles, the last error). A stale feed says plainly that trips follow the
// schedule again.

import { api, el, t, announce, confirmAction, describeError, errorBox, formatDateTime, formatNumber } from "../console.js";

const $ = (id) => document.getElementById(id);
const PATH = "/api/v1/operator/realtime";

let data = null;
let failure = null;

export async function show() {
  if (!data) $("realtime-body").replaceChildren(el("p", { class: "help" }, t("loading")));
  await load();
}

/** Reloads the feeds' state (every 30 s while the view is open); the form keeps what was typed. */
export async function refresh() {
  try {
    data = await api(PATH);
  } catch {
    return;
  }
  $("realtime-states")?.replaceWith(statesSection());
}

async function load() {
  try {
    data = await api(PATH);
    failure = null;
  } catch (error) {
    failure = error;
  }
  render();
}

export function render() {
  if (failure && !data) {
    $("realtime-body").replaceChildren(errorBox(failure));
    return;
  }
  if (!data) return;
  $("realtime-body").replaceChildren(statesSection(), settingsForm());
}

function field(id, label, attrs, help) {
  return el(
    "p",
    {},
    el("label", { for: id }, label),
    el("input", { id, ...attrs, "aria-describedby": help ? `${id}-help` : null }),
    help ? el("span", { class: "help", id: `${id}-help` }, help) : null,
  );
}

function settingsForm() {
  const s = data.settings || {};
  const kept = (s.headers || []).join(", ");
  const form = el(
    "form",
    { id: "realtime-form", class: "card", novalidate: true },
    el("h2", {}, t("realtime.settings")),
    field("rt-trip-updates", t("realtime.tripUpdates"), { type: "url", value: s.trip_updates_url || "", autocomplete: "off", placeholder: "https://…/trip-updates.pb" }),
    field("rt-vehicle-positions", t("realtime.vehiclePositions"), { type: "url", value: s.vehicle_positions_url || "", autocomplete: "off", placeholder: "https://…/vehicle-positions.pb" },
      t("realtime.vehicleHelp")),
    field("rt-header-name", t("realtime.headerName"), { type: "text", autocomplete: "off", placeholder: "Authorization" },
      kept ? t("realtime.headersKept", { names: kept }) : t("realtime.headersNone")),
    field("rt-header-value", t("realtime.headerValue"), { type: "password", autocomplete: "off" }),
    kept
      ? el("p", {}, el("label", {}, el("input", { type: "checkbox", id: "rt-headers-clear" }), " ", t("realtime.headersClear")))
      : null,
    field("rt-period", t("realtime.period"), { type: "number", min: 1, max: 3600, value: s.period_seconds ?? 30 }),
    field("rt-stale", t("realtime.staleAfter"), { type: "number", min: 1, max: 86400, value: s.stale_after_seconds ?? 300 },
      t("realtime.staleHelp")),
    el(
      "p",
      { class: "actions" },
      el("button", { type: "submit", class: "button primary" }, t("save")),
      data.settings ? el("button", { type: "button", class: "button", id: "rt-fetch", onclick: fetchNow }, t("realtime.fetchNow")) : null,
      data.settings ? el("button", { type: "button", class: "button", id: "rt-remove", onclick: remove }, t("realtime.remove")) : null,
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const json = {
      trip_updates_url: $("rt-trip-updates").value.trim(),
      vehicle_positions_url: $("rt-vehicle-positions").value.trim(),
      period_seconds: Number($("rt-period").value),
      stale_after_seconds: Number($("rt-stale").value),
    };
    // Headers: absent keeps the stored ones, {} removes them.
    const name = $("rt-header-name").value.trim();
    if (name) json.headers = { [name]: $("rt-header-value").value };
    else if ($("rt-headers-clear")?.checked) json.headers = {};
    try {
      data = await api(PATH, { method: "PUT", json });
      render();
      announce(t("realtime.saved"), "success");
    } catch (error) {
      announce(describeError(error), "error");
    }
  });
  return form;
}

async function fetchNow() {
  const button = $("rt-fetch");
  if (button) button.disabled = true;
  try {
    data = await api(`${PATH}/fetch`, { method: "POST" });
    render();
    announce(t("realtime.fetched"), "success");
  } catch (error) {
    if (button) button.disabled = false;
    announce(describeError(error), "error");
  }
}

async function remove() {
  const ok = await confirmAction({
    title: t("realtime.remove.title"),
    message: t("realtime.remove.message"),
    confirm: t("realtime.remove.ok"),
  });
  if (!ok) return;
  try {
    data = await api(PATH, { method: "DELETE" });
    render();
    announce(t("realtime.removed"), "success");
  } catch (error) {
    announce(describeError(error), "error");
  }
}

function statesSection() {
  const feeds = data.feeds || [];
  return el(
    "section",
    { id: "realtime-states", "aria-labelledby": "realtime-states-title" },
    el("h2", { id: "realtime-states-title" }, t("realtime.state")),
    feeds.length ? el("ul", { class: "feeds" }, feeds.map(feedCard)) : el("p", { class: "help" }, t("realtime.noFeeds")),
  );
}

function seconds(n) {
  if (n === null || n === undefined) return t("realtime.noData");
  if (n < 120) return t("realtime.seconds", { n: formatNumber(n) });
  return t("realtime.minutes", { n: formatNumber(Math.floor(n / 60)) });
}

function feedCard(feed) {
  const fact = (key, value) => el("div", {}, el("dt", {}, t(key)), el("dd", {}, value));
  return el(
    "li",
    { class: "card feed", dataset: { kind: feed.kind } },
    el("h3", {}, t(`realtime.kind.${feed.kind}`)),
    feed.stale
      ? el("p", { class: "notice", role: "status" }, t("realtime.stale"))
      : el("p", {}, el("span", { class: "pill ok" }, t("realtime.following"))),
    el(
      "dl",
      { class: "facts" },
      fact("realtime.url", feed.url),
      fact("realtime.lastFetch", feed.last_fetch ? formatDateTime(feed.last_fetch) : t("realtime.never")),
      fact("realtime.age", seconds(feed.data_age_seconds)),
      fact("realtime.entities", formatNumber(feed.entities)),
      fact("realtime.applied", formatNumber(feed.entities_applied)),
      fact("realtime.unmatched", formatNumber(feed.entities_unmatched)),
      fact("realtime.changed", formatNumber(feed.trips_changed)),
    ),
    feed.unmatched?.length
      ? el("details", {}, el("summary", {}, t("realtime.unmatchedList", { n: formatNumber(feed.unmatched.length) })),
        el("ul", { class: "unmatched" }, feed.unmatched.map((u) => el("li", {}, u))))
      : null,
    feed.last_error
      ? el("p", { class: "error", role: "alert" }, t("realtime.error", { error: feed.last_error, failures: formatNumber(feed.failures) }))
      : null,
  );
}
