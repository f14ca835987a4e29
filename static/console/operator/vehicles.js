// Train sets: register one (or import a CSV), print its seat labels once,
// reprint a damaged label, retire a set; import a roster saying which set
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
  const sheet = el("button", { type: "button", class: "button" }, t("vehicles.sheet"));
  sheet.addEventListener("click", async () => {
    try {
      await download(`${base}/${encodeURIComponent(v.id)}/sheet.pdf`, `labels-${v.id}.pdf`);
    } catch (error) {
      announce(describeError(error), "error");
    }
  });
  const reprint = el("button", { type: "button", class: "button" }, t("vehicles.reprint"));
  reprint.addEventListener("click", () => reprintSeat(v));
  const retire = el("button", { type: "button", class: "button danger" }, t("vehicles.retire"));
  retire.addEventListener("click", () => retireSet(v));
  return el("tr", {}, el("th", { scope: "row" }, v.id), el("td", {}, v.label), el("td", {}, cars), el("td", {}, String(v.seats)), el("td", { class: "actions" }, sheet, reprint, retire));
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
