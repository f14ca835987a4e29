// The trip bar: line, destination, arrival, and a live countdown to the session's end.
import { t, lang } from "../common.js";

const WARN_AT_MINUTES = [10, 5, 1];

/** Keeps the trip bar up to date and says when the session's time is up. */
export class TripBar {
  constructor(root, announce, onTimeUp) {
    this.root = root;
    this.announce = announce;
    this.onTimeUp = onTimeUp;
    this.trip = null;
    this.endsAt = 0;
    this.warned = new Set();
    this.timer = null;
  }

  /** Shows a session summary (`GET /api/v1/session`) and restarts the countdown. */
  show(summary) {
    this.summary = summary;
    this.trip = summary.trip || summary;
    // The server's seconds_left, not its clock: the phone's clock may be wrong.
    const left = Number(summary.seconds_left ?? this.trip.seconds_left);
    this.endsAt = Number.isFinite(left) ? Date.now() + left * 1000 : Date.parse(summary.expires_at);
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
    left.textContent = describeLeft(seconds);
    const minutes = Math.ceil(seconds / 60);
    for (const mark of WARN_AT_MINUTES) {
      if (minutes <= mark && seconds > 0 && !this.warned.has(mark)) {
        this.warned.add(mark);
        if (minutes === mark) this.announce(t("trip.soon", { m: mark }));
      }
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

function formatTime(instant, timeZone) {
  const options = { hour: "numeric", minute: "2-digit" };
  try {
    return new Intl.DateTimeFormat(lang(), timeZone ? { ...options, timeZone } : options).format(new Date(instant));
  } catch {
    return new Intl.DateTimeFormat(lang(), options).format(new Date(instant));
  }
}
