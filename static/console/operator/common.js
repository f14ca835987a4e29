// Pieces the operator console's views share: tables, status pills, trip names.
// What the publisher console needs too (errors, plurals, downloads) is in
// console.js.

import { el, t, formatNumber } from "../console.js";

/** A table with a caption: `columns` are [{label, num}], `rows` arrays of cells. */
export function table({ caption, columns, rows, id, captionHidden = false }) {
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { id },
      el("caption", { class: captionHidden ? "visually-hidden" : null }, caption),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : null }, c.label)),
        ),
      ),
      el(
        "tbody",
        {},
        rows.map((cells) =>
          el(
            "tr",
            {},
            cells.map((cell, i) => {
              const tag = columns[i].header ? "th" : "td";
              return el(tag, { scope: tag === "th" ? "row" : null, class: columns[i].num ? "num" : null }, cell);
            }),
          ),
        ),
      ),
    ),
  );
}

const PILLS = { running: "ok", scheduled: "ok", upcoming: "muted", ended: "muted", cancelled: "bad" };

/** A trip status (upcoming, running, ended, cancelled) as a labelled pill. */
export function statusPill(status) {
  if (!status) return "";
  return el("span", { class: ["pill", PILLS[status] || "muted"], dataset: { status } }, t(`status.${status}`));
}

/** Live sessions, or "unknown" when the session store could not say. */
export function sessionsText(n) {
  return n === null || n === undefined ? t("sessions.unknown") : formatNumber(n);
}

/** A trip's name for people: "Train 17423 · TER Clermont – Lyon". */
export function tripName(trip) {
  return t("trip.name", { number: trip.train_number, line: trip.line });
}

/** A trip's route: "Clermont-Ferrand → Lyon Part-Dieu". */
export function route(trip) {
  return `${trip.origin} → ${trip.destination}`;
}
