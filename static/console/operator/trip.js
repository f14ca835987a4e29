// One trip: its facts in its own time zone, its open sessions, its seat
// codes, and the two changes an operator makes on the day: a delay that
// extends the trip, and a cancellation. Both say what they will do first.

import { api, el, t, announce, confirmAction, describeError, errorBox, formatDate, formatNumber, plural } from "../console.js";
import { statusPill, sessionsText, tripName, route } from "./common.js";
import { codesSection } from "./codes.js";
import { collectionsSection } from "./trip-collections.js";
import { vehiclesSection } from "./trip-vehicles.js";
import { clockZoned, dateTimeZoned, minutesBetween } from "./time.js";

const $ = (id) => document.getElementById(id);

let trip = null;
let sessions = null;
let failure = null;

const path = (id) => `/api/v1/operator/trips/${id}`;

export async function show(arg) {
  const id = Number(arg);
  if (trip?.id !== id) {
    trip = null;
    sessions = null;
    $("trip-title").textContent = t("loading");
    $("trip-body").replaceChildren();
  }
  try {
    [trip, sessions] = await Promise.all([api(path(id)), api(`${path(id)}/sessions`).catch(() => null)]);
    failure = null;
  } catch (error) {
    failure = error;
  }
  render();
}

/** Reloads the open sessions and the trip without touching the forms. */
export async function refresh() {
  if (!trip) return;
  try {
    [trip, sessions] = await Promise.all([api(path(trip.id)), api(`${path(trip.id)}/sessions`)]);
  } catch {
    return;
  }
  const facts = $("trip-facts");
  if (facts) facts.replaceWith(factsList());
}

export function render() {
  if (failure && !trip) {
    $("trip-title").textContent = t("trip.missing");
    $("trip-body").replaceChildren(errorBox(failure));
    return;
  }
  if (!trip) return;
  $("trip-title").textContent = tripName(trip);
  $("trip-back").setAttribute("href", `#trips/${trip.service_date}`);
  document.title = `${tripName(trip)} · trajet`;
  const cancelled = trip.state === "cancelled";
  $("trip-body").replaceChildren(
    factsList(),
    cancelled ? el("p", { class: "notice", id: "trip-cancelled" }, t("trip.cancelledNotice")) : "",
    cancelled ? "" : codesSection(trip),
    cancelled ? "" : delaySection(),
    cancelled
      ? ""
      : collectionsSection(trip, (saved) => {
          trip = saved;
          render();
        }),
    cancelled
      ? ""
      : vehiclesSection(trip, (saved) => {
          trip = saved;
          render();
        }),
    cancelled ? "" : cancelSection(),
  );
}

function factsList() {
  const zone = trip.timezone;
  const late = minutesBetween(trip.scheduled_arrives_at, trip.arrives_at);
  const status = trip.state === "cancelled" ? "cancelled" : sessions?.status;
  const fact = (key, value, id) => el("div", { id }, el("dt", {}, t(key)), el("dd", {}, value));
  return el(
    "dl",
    { class: "facts", id: "trip-facts" },
    fact("fact.route", route(trip)),
    fact("fact.day", formatDate(trip.service_date)),
    fact("fact.departs", el("time", { datetime: trip.departs_at }, dateTimeZoned(trip.departs_at, zone)), "fact-departs"),
    fact(
      "fact.arrives",
      [
        el("time", { datetime: trip.arrives_at, id: "trip-arrival" }, dateTimeZoned(trip.arrives_at, zone)),
        late !== 0
          ? el("span", { class: "late" }, ` ${t("trip.planned", { time: clockZoned(trip.scheduled_arrives_at, zone) })}`)
          : "",
      ],
      "fact-arrives",
    ),
    fact("fact.zone", zone),
    fact("fact.seats", formatNumber(trip.seats)),
    trip.cars?.length ? fact("fact.cars", trip.cars.join(", ")) : "",
    fact("fact.status", statusPill(status), "fact-status"),
    fact("fact.sessions", el("span", { id: "trip-sessions" }, sessionsText(sessions?.live_sessions)), "fact-sessions"),
    sessions && trip.state !== "cancelled"
      ? fact("fact.window", t("trip.window", {
          from: clockZoned(sessions.window.opens_at, zone),
          to: clockZoned(sessions.window.closes_at, zone),
        }), "fact-window")
      : "",
  );
}

function delaySection() {
  const zone = trip.timezone;
  const current = Math.max(0, minutesBetween(trip.scheduled_arrives_at, trip.arrives_at));
  const minutes = el("input", {
    type: "number",
    id: "delay-minutes",
    min: 0,
    max: 720,
    step: 1,
    value: current,
    "aria-describedby": "delay-preview",
  });
  const preview = el("p", { id: "delay-preview", class: "help", "aria-live": "polite" });
  const submit = el("button", { type: "submit", class: "button primary", id: "delay-submit" }, t("delay.submit"));
  const newArrival = () => {
    const n = Number(minutes.value);
    if (!Number.isInteger(n) || n < 0 || n > 720) return null;
    return new Date(new Date(trip.scheduled_arrives_at).getTime() + n * 60000);
  };
  const describe = () => {
    const at = newArrival();
    preview.textContent = at
      ? t("delay.preview", { time: clockZoned(at, zone), planned: clockZoned(trip.scheduled_arrives_at, zone) })
      : t("delay.invalid");
  };
  minutes.addEventListener("input", describe);
  describe();
  const form = el(
    "form",
    { id: "delay-form", novalidate: true },
    el("p", {}, el("label", { for: "delay-minutes" }, t("delay.minutes")), minutes),
    preview,
    el("p", {}, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const at = newArrival();
    if (!at) {
      minutes.setAttribute("aria-invalid", "true");
      minutes.focus();
      return;
    }
    minutes.removeAttribute("aria-invalid");
    if (at.getTime() === new Date(trip.arrives_at).getTime()) {
      announce(t("delay.same"));
      return;
    }
    submit.disabled = true;
    try {
      await extend(at);
    } finally {
      submit.disabled = false;
    }
  });
  return el(
    "section",
    { class: "card", "aria-labelledby": "delay-title", id: "delay" },
    el("h2", { id: "delay-title" }, t("delay.title")),
    el("p", { class: "help" }, t("delay.intro", { planned: clockZoned(trip.scheduled_arrives_at, zone) })),
    form,
  );
}

/** Confirms, then moves the arrival to `at`; open sessions follow a later arrival. */
async function extend(at) {
  const zone = trip.timezone;
  let now;
  try {
    now = await api(`${path(trip.id)}/sessions`);
  } catch (error) {
    announce(describeError(error), "error");
    return;
  }
  const after = new Date(now.window.closes_at) - new Date(trip.arrives_at);
  const later = at > new Date(trip.arrives_at);
  const closes = new Date(at.getTime() + after);
  const message = later
    ? [
        t("delay.confirm.later", { time: clockZoned(at, zone), until: clockZoned(closes, zone) }),
        plural("delay.confirm.sessions", now.live_sessions),
      ].join(" ")
    : t("delay.confirm.earlier", { time: clockZoned(at, zone), until: clockZoned(now.window.closes_at, zone) });
  const ok = await confirmAction({
    title: t("delay.confirm.title", { number: trip.train_number }),
    message,
    confirm: t("delay.confirm.ok"),
  });
  if (!ok) return;
  try {
    trip = await api(path(trip.id), { method: "PATCH", json: { arrives_at: at.toISOString() } });
    sessions = await api(`${path(trip.id)}/sessions`).catch(() => sessions);
    render();
    announce(t("delay.done", { time: clockZoned(trip.arrives_at, zone), until: clockZoned(sessions.window.closes_at, zone) }), "success");
    $("delay-minutes")?.focus();
  } catch (error) {
    announce(describeError(error), "error");
  }
}

function cancelSection() {
  const button = el("button", { type: "button", class: "button danger", id: "cancel-trip" }, t("cancel.button"));
  button.addEventListener("click", async () => {
    let now;
    try {
      now = await api(`${path(trip.id)}/sessions`);
    } catch (error) {
      announce(describeError(error), "error");
      return;
    }
    const ok = await confirmAction({
      title: t("cancel.confirm.title", { number: trip.train_number }),
      message: [plural("cancel.confirm.sessions", now.live_sessions), t("cancel.confirm.codes")].join(" "),
      confirm: t("cancel.confirm.ok"),
    });
    if (!ok) return;
    button.disabled = true;
    try {
      trip = await api(`${path(trip.id)}/cancel`, { method: "POST" });
      sessions = await api(`${path(trip.id)}/sessions`).catch(() => null);
      render();
      announce(t("cancel.done", { number: trip.train_number }), "success");
      $("trip-title").focus();
    } catch (error) {
      button.disabled = false;
      announce(describeError(error), "error");
    }
  });
  return el(
    "section",
    { class: "card danger-zone", "aria-labelledby": "cancel-title", id: "cancel" },
    el("h2", { id: "cancel-title" }, t("cancel.title")),
    el("p", {}, t("cancel.intro")),
    el("p", {}, button),
  );
}
