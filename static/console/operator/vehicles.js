// Train sets: register one (or import a CSV), print its seat labels once
// (the PDF sheet, or page by page as PNG or SVG), reprint a damaged label,
// retire a set; import a roster saying which set
// runs which block or trip. Reports list each line that was not taken.

import { api, el, t, announce, confirmAction, describeError, download, errorBox } from "../console.js";

const $ = (id) => document.getElementById(id);
const base = "/api/v1/operator/vehicles";

let vehicles = null;
let failure = null;
let initialized = false;

export async function show() {
  if (!initialized) init();
  if (!vehicles) $("vehicles-list").replaceChildren(el("p", { class: "help" }, t("loading")));
  await load();
}

async function load() {
  try {
    vehicles = (await api(base)).vehicles;
    failure = null;
  } catch (error) {
    failure = error;
  }
  render();
}

function init() {
  initialized = true;
  $("vehicle-form").addEventListener("submit", register);
  $("vehicles-import-form").addEventListener("submit", (e) => importCsv(e, base + "/import", "vehicles-import"));
  $("roster-form").addEventListener("submit", (e) => importCsv(e, "/api/v1/operator/rosters", "roster"));
}

export function render() {
  const holder = $("vehicles-list");
  if (failure && !vehicles) {
    holder.replaceChildren(errorBox(failure));
    return;
  }
  if (!vehicles) return;
  if (!vehicles.length) {
    holder.replaceChildren(el("p", {}, t("vehicles.none")));
    return;
  }
  const head = el("tr", {}, ["vehicles.id", "vehicles.label", "vehicles.cars", "vehicles.seats", "vehicles.actions"].map((k) => el("th", { scope: "col" }, t(k))));
  holder.replaceChildren(el("table", { class: "vehicles", id: "vehicles" }, el("thead", {}, head), el("tbody", {}, vehicles.map(row))));
}

function row(v) {
  const cars = v.cars.map((c) => `${c.car}: ${c.seats}`).join(", ");
  const sheet = downloadButton(t("vehicles.sheet"), `${sheetPath(v)}.pdf`, `labels-${v.id}.pdf`);
  const reprint = el("button", { type: "button", class: "button" }, t("vehicles.reprint"));
  reprint.addEventListener("click", () => reprintSeat(v));
  const retire = el("button", { type: "button", class: "button danger" }, t("vehicles.retire"));
  retire.addEventListener("click", () => retireSet(v));
  return el("tr", {}, el("th", { scope: "row" }, v.id), el("td", {}, v.label), el("td", {}, cars), el("td", {}, String(v.seats)), el("td", { class: "actions" }, sheet, reprint, retire, pages(v)));
}

const sheetPath = (v) => `${base}/${encodeURIComponent(v.id)}/sheet`;

function downloadButton(label, path, filename, attributes = {}) {
  const button = el("button", { type: "button", class: "button", ...attributes }, label);
  button.addEventListener("click", async () => {
    try {
      await download(path, filename);
    } catch (error) {
      announce(describeError(error), "error");
    }
  });
  return button;
}

/** Labels on one page of the default 3 × 8 sheet (the PDF's). */
const PER_PAGE = 24;

/**
 * The sheet page by page as PNG (300 dpi) or SVG, for print shops and label
 * printers that take images: each page says which cars and seats it holds.
 */
function pages(v) {
  const list = el("ul", { class: "sheet-pages" });
  pageContents(v).forEach((content, index) => {
    const page = index + 1;
    const name = t("vehicles.page", { page });
    const path = sheetPath(v);
    list.append(
      el(
        "li",
        {},
        `${name} (${content}) `,
        downloadButton("PNG", `${path}.png?page=${page}`, `labels-${v.id}-page-${page}.png`, { "aria-label": `${name} PNG` }),
        " ",
        downloadButton("SVG", `${path}.svg?page=${page}`, `labels-${v.id}-page-${page}.svg`, { "aria-label": `${name} SVG` }),
      ),
    );
  });
  return el("details", { class: "sheet-pages" }, el("summary", {}, t("vehicles.pages")), list);
}

/** What each page holds, labels in car then seat order: "car 1: 1–24". */
function pageContents(v) {
  const labels = v.cars.flatMap((c) => Array.from({ length: c.seats }, (_, i) => [c.car, i + 1]));
  const contents = [];
  for (let start = 0; start < labels.length; start += PER_PAGE) {
    const page = labels.slice(start, start + PER_PAGE);
    const runs = [];
    for (const [car, seat] of page) {
      const last = runs[runs.length - 1];
      if (last && last.car === car) last.to = seat;
      else runs.push({ car, from: seat, to: seat });
    }
    contents.push(runs.map((r) => t("vehicles.pageRun", { car: r.car, from: r.from, to: r.to })).join(", "));
  }
  return contents;
}

async function register(event) {
  event.preventDefault();
  const cars = $("vehicle-cars")
    .value.split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [car, seats] = part.split(":").map((s) => s.trim());
      return { car, seats: Number(seats) };
    });
  try {
    await api(base, { method: "POST", json: { id: $("vehicle-id").value, label: $("vehicle-label").value, cars } });
    announce(t("vehicles.registered", { id: $("vehicle-id").value }));
    event.target.reset();
    await load();
  } catch (error) {
    announce(describeError(error), "error");
  }
}

async function reprintSeat(v) {
  const car = window.prompt(t("vehicles.reprint.car"), v.cars[0]?.car ?? "1");
  if (!car) return;
  const seat = window.prompt(t("vehicles.reprint.seat"), "1");
  if (!seat) return;
  try {
    const path = `${base}/${encodeURIComponent(v.id)}/codes/${encodeURIComponent(car)}/${encodeURIComponent(seat)}`;
    await api(`${path}/reprint`, { method: "POST", json: {} });
    await download(`${path}.png`, `label-${v.id}-${car}-${seat}.png`);
    announce(t("vehicles.reprinted", { car, seat }));
  } catch (error) {
    announce(describeError(error), "error");
  }
}

async function retireSet(v) {
  const sure = await confirmAction({ title: t("vehicles.retire.title", { id: v.id }), message: t("vehicles.retire.message"), confirm: t("vehicles.retire") });
  if (!sure) return;
  try {
    await api(`${base}/${encodeURIComponent(v.id)}`, { method: "DELETE" });
    announce(t("vehicles.retired", { id: v.id }));
    await load();
  } catch (error) {
    announce(describeError(error), "error");
  }
}

async function importCsv(event, path, prefix) {
  event.preventDefault();
  const file = $(`${prefix}-file`).files[0];
  if (!file) return;
  const report = $(`${prefix}-report`);
  try {
    const body = await file.text();
    const result = await api(path, { method: "POST", body, headers: { "Content-Type": "text/csv" } });
    report.replaceChildren(reportOf(result));
    report.hidden = false;
    await load();
  } catch (error) {
    report.replaceChildren(errorBox(error));
    report.hidden = false;
  }
}

function reportOf(result) {
  const figures = ["created", "updated", "lines", "assigned", "trips_changed"]
    .filter((k) => result[k] !== undefined)
    .map((k) => el("li", {}, `${t(`vehicles.report.${k}`)}${t("colon")}${result[k]}`));
  const skipped = result.skipped || [];
  const table = skipped.length
    ? el(
        "table",
        { class: "skipped" },
        el("thead", {}, el("tr", {}, ["col.lineNo", "vehicles.id", "col.reason"].map((k) => el("th", { scope: "col" }, t(k))))),
        el("tbody", {}, skipped.map((s) => el("tr", {}, el("td", {}, String(s.line)), el("td", {}, s.vehicle_id ?? ""), el("td", {}, `${s.reason} (${s.code})`)))),
      )
    : el("p", {}, t("vehicles.report.clean"));
  return el("div", {}, el("ul", {}, figures), table);
}
