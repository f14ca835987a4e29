// Importing a GTFS feed: choose or drop the zip, pick the days, watch the
// upload, then read what was created, updated and skipped, and why.

import { upload, el, t, announce, formatDate, formatNumber, ApiError, describeError } from "../console.js";
import { table } from "./common.js";
import { localDay, addDays } from "./time.js";

const $ = (id) => document.getElementById(id);
let chosen = null;
let lastReport = null;

/** Reasons of the importer that the console can say in French too. */
const REASONS = {
  "the trip has no stop_times": "skip.noStopTimes",
  "the trip has a single stop": "skip.singleStop",
  "the first stop has no time": "skip.firstNoTime",
  "the last stop has no time": "skip.lastNoTime",
  "the last stop is not reached after the first one departs": "skip.order",
  "trip_id is empty": "skip.emptyId",
  "trip_id already appears on an earlier line": "skip.duplicateId",
};

/** How many skipped rows the full list shows (a broken feed can skip thousands). */
const LIST_LIMIT = 500;

export function init() {
  const input = $("import-file");
  const zone = $("import-drop");
  input.addEventListener("change", () => choose(input.files[0] || null));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer?.files?.[0];
    if (file) {
      try {
        input.files = event.dataTransfer.files;
      } catch {
        // Older browsers: the chosen file is kept aside instead.
      }
      choose(file);
    }
  });
  $("import-form").addEventListener("submit", submit);
}

export function show() {
  if (!$("import-from").value) $("import-from").value = localDay();
  if (!$("import-to").value) $("import-to").value = addDays(localDay(), 6);
}

export function render() {
  choose(chosen);
  if (lastReport) drawReport(lastReport);
}

function choose(file) {
  chosen = file;
  $("import-chosen").textContent = file
    ? t("import.chosen", { name: file.name, size: formatNumber(Math.max(1, Math.round(file.size / 1024))) })
    : "";
}

function fail(message, focus = "import-file") {
  const box = $("import-error");
  box.textContent = message;
  box.hidden = false;
  $(focus)?.focus();
}

async function submit(event) {
  event.preventDefault();
  $("import-error").hidden = true;
  const from = $("import-from").value;
  const to = $("import-to").value;
  if (!chosen) return fail(t("import.noFile"));
  if (!from) return fail(t("import.noFrom"), "import-from");
  if (!to) return fail(t("import.noTo"), "import-to");
  if (to < from) return fail(t("import.order"), "import-to");
  const query = new URLSearchParams({ from, to });
  const seats = $("import-seats").value.trim();
  if (seats) query.set("seats", seats);
  if ($("import-all").checked) query.set("all_route_types", "true");
  const form = new FormData();
  form.append("file", chosen, chosen.name);

  const bar = $("import-bar");
  const label = $("import-progress-label");
  $("import-progress").hidden = false;
  $("import-report").hidden = true;
  bar.value = 0;
  label.textContent = t("import.uploading");
  $("import-submit").disabled = true;
  announce(t("import.uploading"));
  try {
    const answer = await upload(`/api/v1/operator/trips/import?${query}`, form, {
      onProgress: (fraction) => {
        bar.value = Math.round(fraction * 100);
        if (fraction >= 1) {
          bar.removeAttribute("value");
          label.textContent = t("import.processing");
        }
      },
    });
    if (answer.status !== 200) throw new ApiError(answer.status, typeof answer.body === "object" ? answer.body : null);
    lastReport = { report: answer.body, from, to, name: chosen.name, all: $("import-all").checked };
    drawReport(lastReport);
    announce(t("import.done", { created: answer.body.created, updated: answer.body.updated, skipped: answer.body.skipped }), "success");
    $("import-report").focus();
  } catch (error) {
    lastReport = null;
    fail(refusal(error));
    announce(t("import.failed"), "error");
  } finally {
    $("import-progress").hidden = true;
    $("import-submit").disabled = false;
  }
}

/**
 * Why a feed was refused, in the console's language: each problem code, and
 * each reason the importer gives with its specifics (file, line, column, value),
 * has its own sentence; a reason not known here is shown as the API wrote it.
 */
const REFUSALS = [
  [/^contains a NUL byte/, "gtfs.nul"],
  [/^invalid UTF-8 at byte (\d+) of the line$/, "gtfs.utf8"],
  [/^carriage return \(CR\) that does not end the line/, "gtfs.cr"],
  [/^line ends with (\S+) but line (\d+) ends with (\S+)/, "gtfs.endings"],
  [/^the header line is empty$/, "gtfs.emptyHeader"],
  [/^required column (\S+) is missing from the header$/, "gtfs.column"],
  [/^column name (.*) holds a control character$/, "gtfs.columnControl"],
  [/^agency_timezone "(.*)" is not an IANA time zone$/, "gtfs.agencyZone"],
  [/^the feed names no agency$/, "gtfs.noAgency"],
  [/^unreadable CSV: (.*)$/, "gtfs.csv"],
  [/^cannot inflate: (.*)$/, "gtfs.inflate"],
  [/^the range ends \((.*)\) before it starts \((.*)\)$/, "gtfs.rangeOrder"],
  [/^the range spans more than (\d+) days$/, "gtfs.rangeSpan"],
  [/^the feed runs more than (\d+) trips between (\S+) and (\S+)/, "gtfs.tooManyTrips"],
];

function refusalReason(text) {
  for (const [pattern, key] of REFUSALS) {
    const m = String(text || "").match(pattern);
    if (m) return t(key, { 1: m[1], 2: m[2], 3: m[3] });
  }
  return text;
}

/** Why a feed was refused, with the file and line when the API names them. */
function refusal(error) {
  const p = error.problem || {};
  if (error.code === "upload-too-large") return t("import.tooLarge");
  if (!p.detail) return describeError(error);
  let detail;
  if (p.code === "gtfs-not-zip") detail = t("gtfs.notZip");
  else if (p.code === "gtfs-unsafe-entry") detail = t("gtfs.unsafeEntry", { entry: p.entry });
  else if (p.code === "gtfs-too-large") detail = t(p.whole_feed ? "gtfs.tooLargeFeed" : "gtfs.tooLargeFile", { file: p.file, mb: formatNumber(Math.round(p.limit / 1048576)) });
  else if (p.code === "gtfs-invalid" && !p.line && p.file) detail = t("gtfs.missingFile", { file: p.file });
  else detail = refusalReason(p.reason ?? p.detail);
  const where = p.file ? (p.line ? t("import.where.line", { file: p.file, line: formatNumber(p.line) }) : p.file) : "";
  return where ? t("import.refused.at", { where, detail }) : t("import.refused", { detail });
}

function reason(text) {
  return REASONS[text] ? t(REASONS[text]) : text;
}

function drawReport({ report, from, to, name, all }) {
  const section = $("import-report");
  const days = from === to ? formatDate(from) : t("import.days", { from: formatDate(from), to: formatDate(to) });
  const figures = [
    ["import.created", report.created, "created"],
    ["import.updated", report.updated, "updated"],
    ["import.unchanged", report.unchanged, "unchanged"],
    ["import.skipped", report.skipped, "skipped"],
    ["import.otherTypes", report.other_route_types, "other"],
  ];
  section.replaceChildren(
    el("h2", { id: "import-report-title" }, t("import.report")),
    el("p", {}, t("import.report.intro", { name, days })),
    el(
      "dl",
      { class: "figures" },
      figures.map(([key, n, id]) =>
        el("div", { class: "figure", dataset: { count: id } }, el("dt", {}, t(key)), el("dd", {}, formatNumber(n))),
      ),
    ),
    report.other_route_types > 0 && !all ? el("p", { class: "help" }, t("import.otherTypes.help")) : "",
    skippedPart(report.skipped_rows),
    truncatedPart(report),
    el("p", { class: "actions" }, el("a", { class: "button primary", href: `#trips/${from}`, id: "import-see-trips" }, t("import.seeTrips", { day: formatDate(from) }))),
  );
  section.hidden = false;
}

/** When a feed skipped more rows than the report lists: how many, by reason. */
function truncatedPart(report) {
  const shown = report.skipped_rows.length;
  if (report.skipped <= shown) return "";
  const counts = Object.entries(report.skipped_by_reason || {}).map(([code, n]) => `${code}: ${formatNumber(n)}`);
  return el(
    "p",
    { class: "help", id: "import-skipped-truncated" },
    t("import.skippedTruncated", { shown: formatNumber(shown), count: formatNumber(report.skipped), counts: counts.join(", ") }),
  );
}

function skippedPart(rows) {
  if (!rows.length) return el("p", { id: "import-no-skips" }, t("import.noSkips"));
  const groups = new Map();
  for (const row of rows) {
    const key = `${row.file}\u0000${row.reason}`;
    const group = groups.get(key) || { file: row.file, reason: row.reason, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort((a, b) => b.rows.length - a.rows.length);
  const lines = (group) => {
    const shown = group.rows.slice(0, 5).map((r) => r.line);
    const more = group.rows.length - shown.length;
    return t(more > 0 ? "import.lines.more" : "import.lines", { lines: shown.join(", "), more: formatNumber(more) });
  };
  const listed = rows.slice(0, LIST_LIMIT);
  return el(
    "div",
    { class: "skipped" },
    el("h3", {}, t("import.skippedWhy")),
    table({
      id: "import-reasons",
      caption: t("import.skippedWhy"),
      captionHidden: true,
      columns: [{ label: t("col.reason"), header: true }, { label: t("col.rows"), num: true }, { label: t("col.where") }],
      rows: sorted.map((g) => [reason(g.reason), formatNumber(g.rows.length), `${g.file}, ${lines(g)}`]),
    }),
    el(
      "details",
      {},
      el("summary", {}, t("import.allSkipped", { count: formatNumber(rows.length) })),
      table({
        caption: t("import.allSkipped", { count: formatNumber(rows.length) }),
        captionHidden: true,
        columns: [
          { label: t("col.file") },
          { label: t("col.lineNo"), num: true },
          { label: t("col.tripId") },
          { label: t("col.reason") },
        ],
        rows: listed.map((r) => [r.file, formatNumber(r.line), r.trip_id || "", r.reason]),
      }),
      rows.length > LIST_LIMIT ? el("p", { class: "help" }, t("import.listLimit", { shown: formatNumber(LIST_LIMIT) })) : "",
    ),
  );
}
