// Times of trips, shown in the trip's own time zone (a Caltrain trip in
// Pacific time, a TER in Paris time), whatever the browser's zone.

import { lang } from "../console.js";

/** The time of day of an instant in `zone`, such as "06:12". */
export function clock(instant, zone) {
  return new Intl.DateTimeFormat(lang(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }).format(
    new Date(instant),
  );
}

/** The time of day with the zone's short name, such as "06:12 PDT". */
export function clockZoned(instant, zone) {
  return new Intl.DateTimeFormat(lang(), {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: zone,
    timeZoneName: "short",
  }).format(new Date(instant));
}

/** Date and time in `zone` with its short name, such as "29 Jul 2017, 06:12 PDT". */
export function dateTimeZoned(instant, zone) {
  return new Intl.DateTimeFormat(lang(), {
    dateStyle: "medium",
    timeStyle: "short",
    hourCycle: "h23",
    timeZone: zone,
  }).format(new Date(instant)) + ` (${zoneName(instant, zone)})`;
}

/** The zone's short name at that instant ("CET", "PDT", "UTC+1"). */
export function zoneName(instant, zone) {
  const parts = new Intl.DateTimeFormat(lang(), { timeZone: zone, timeZoneName: "short" }).formatToParts(
    new Date(instant),
  );
  return parts.find((p) => p.type === "timeZoneName")?.value || zone;
}

/** Whether the browser knows the IANA zone. */
export function knownZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The browser's own IANA zone. */
export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Milliseconds `zone` is ahead of UTC at the instant `ms`. */
function offset(ms, zone) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms))) {
    parts[p.type] = Number(p.value);
  }
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return local - (ms - (ms % 1000));
}

/**
 * The instant at which the clocks of `zone` read `date` ("2026-11-28") and
 * `time` ("10:29"), `days` later. Two passes settle the offset around a
 * daylight-saving change.
 */
export function zonedInstant(date, time, zone, days = 0) {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const wall = Date.UTC(y, m - 1, d + days, hh, mm);
  let guess = wall - offset(wall, zone);
  guess = wall - offset(guess, zone);
  return new Date(guess);
}

/** RFC 3339 in UTC, to the second ("2026-11-28T09:29:00Z"). */
export function rfc3339(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A calendar date of the browser's day: "2026-11-28". */
export function localDay(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The calendar date `days` after `day` ("2026-11-28" → "2026-11-29"). */
export function addDays(day, days) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Whole minutes from `a` to `b` (instants). */
export function minutesBetween(a, b) {
  return Math.round((new Date(b) - new Date(a)) / 60000);
}
