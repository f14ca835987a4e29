// Pieces the operator console's views share: tables, status pills, errors.

import { el, t, describeError, formatNumber, lang, ApiError } from "../console.js";

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

/** An error paragraph, read out at once. */
export function errorBox(error) {
  return el("p", { class: "error", role: "alert" }, describeError(error));
}

/** A loading line. */
export function loading() {
  return el("p", { class: "help" }, t("loading"));
}

/**
 * A counted sentence: `key.zero` for 0 when the table has one, else
 * `key.one` or `key.other` as the language's plural rules say.
 */
export function plural(key, n, vars = {}) {
  const all = { n: formatNumber(n), ...vars };
  if (n === 0 && t(`${key}.zero`) !== `${key}.zero`) return t(`${key}.zero`, all);
  const rule = new Intl.PluralRules(lang()).select(n) === "one" ? "one" : "other";
  return t(`${key}.${rule}`, all);
}

/**
 * Downloads a file the API makes (PDF sheet, PNG or SVG code) and says why
 * when it is refused, instead of saving the error as a file.
 */
export async function download(href, filename) {
  let response;
  try {
    response = await fetch(href, { credentials: "same-origin", headers: { "x-trajet-console": "1" } });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      // Keep the status only.
    }
    throw new ApiError(response.status, problem);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
