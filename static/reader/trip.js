// The trip bar: line, destination, arrival, and a live countdown to the arrival
// (then to the end of reading, a few minutes after it).
import { t, lang } from "../common.js";

const WARN_AT_MINUTES = [10, 5, 1];

/** Keeps the trip bar up to date and says when the session's time is up. */
export class TripBar {
  /** `warn(text)` says the last minutes of reading; `onTimeUp()` when reading ends. */
  constructor(root, warn, onTimeUp) {
    this.root = root;
    this.warn = warn;
    this.onTimeUp = onTimeUp;
    this.trip = null;
    this.endsAt = 0;
    this.arrivesAt = 0;
    this.warned = new Set();
    this.timer = null;
  }

  /** Shows a session summary (`GET /api/v1/session`) and restarts the countdown. */
  show(summary) {
    this.summary = summary;
    this.trip = summary.trip || summary;
    // The server's seconds_left, not its clock: the phone's clock may be wrong.
    const left = Number(summary.seconds_left ?? this.trip.seconds_left);
    const endsAt = Number.isFinite(left) ? Date.now() + left * 1000 : Date.parse(summary.expires_at);
    // A later end (a delay) makes the last-minute warnings due again.
    if (endsAt > this.endsAt + 60_000) this.warned.clear();
    this.endsAt = endsAt;
    // The arrival in this phone's clock: the session ends a grace period after it.
    const grace = Date.parse(summary.expires_at) - Date.parse(this.trip.arrives_at);
    this.arrivesAt = Number.isFinite(grace) ? this.endsAt - Math.max(0, grace) : this.endsAt;
    this.root.hidden = false;
    this.render();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), 1000);
    this.tick();
  }

  /** Seconds of reading left. */
  secondsLeft() {
    return Math.max(0, Math.round((this.endsAt - Date.now()) / 1000));
  }

  /** Seconds until the train arrives. */
  secondsToArrival() {
    return Math.max(0, Math.round((this.arrivesAt - Date.now()) / 1000));
  }

  render() {
    if (!this.trip) return;
    const trip = this.trip;
    this.root.querySelector("#trip-route").textContent = t("trip.route", {
      line: trip.line || "",
      train: trip.train_number || "",
      origin: trip.origin || "",
      destination: trip.destination || "",
    }).trim();
    const arrival = trip.arrives_at ? formatTime(trip.arrives_at, trip.timezone) : "";
    const arrivalEl = this.root.querySelector("#trip-arrival");
    arrivalEl.textContent = arrival ? t("trip.arrival", { time: arrival }) : "";
    if (trip.arrives_at) arrivalEl.dateTime = trip.arrives_at;
    this.tick();
  }

  tick() {
    const seconds = this.secondsLeft();
    const left = this.root.querySelector("#trip-left");
    const toArrival = this.secondsToArrival();
    const minutes = Math.ceil(seconds / 60);
    left.textContent =
      toArrival > 0 || seconds === 0 ? describeLeft(toArrival || seconds) : t("trip.arrived", { m: minutes });
    // Once per mark crossed; a reader opened late hears the minutes actually left.
    const due = WARN_AT_MINUTES.filter((mark) => minutes <= mark && !this.warned.has(mark));
    if (due.length && seconds > 0) {
      due.forEach((mark) => this.warned.add(mark));
      this.warn(t("trip.soon", { m: minutes }));
    }
    if (seconds === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.onTimeUp();
    }
  }

  /** Stops the countdown (session over). */
  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.root.querySelector("#trip-left").textContent = t("trip.left.ended");
  }
}

/** "1 h 12 min left", "8 min left", in the current language. */
export function describeLeft(seconds) {
  if (seconds <= 0) return t("trip.left.ended");
  if (seconds < 60) return t("trip.left.s");
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t("trip.left.m", { m: minutes });
  return t("trip.left.hm", { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, "0") });
}

/** A time of day in the trip's zone: "4:05 PM", and in French "16 h 05". */
export function formatTime(instant, timeZone) {
  const options = { hour: "numeric", minute: "2-digit", ...(timeZone ? { timeZone } : {}) };
  let format;
  try {
    format = new Intl.DateTimeFormat(lang(), options);
  } catch {
    format = new Intl.DateTimeFormat(lang(), { hour: "numeric", minute: "2-digit" });
  }
  const date = new Date(instant);
  if (lang() !== "fr") return format.format(date);
  const part = (type) => format.formatToParts(date).find((p) => p.type === type)?.value;
  return `${Number(part("hour"))} h ${part("minute")}`;
}
