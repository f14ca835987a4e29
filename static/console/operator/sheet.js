// The PDF sheet of labels: seats, cars and a layout, downloaded from the API.

import { el, t, describeError, download } from "../console.js";
import { base, carChoice, checkedCars } from "./codes-common.js";

/** Sheet layouts offered: columns × rows of labels on an A4 page. */
const LAYOUTS = ["3x8", "3x7", "2x6", "2x5", "2x4"];

export function sheetPart(trip) {
  const seats = el("input", { type: "text", id: "sheet-seats", value: `1-${trip.seats}`, autocomplete: "off" });
  const layout = el(
    "select",
    { id: "sheet-layout" },
    LAYOUTS.map((l) => {
      const [c, r] = l.split("x").map(Number);
      return el("option", { value: l, selected: l === "3x8" }, t("sheet.layout", { per: c * r, columns: c, rows: r }));
    }),
  );
  const link = el("a", { id: "sheet-download", class: "button primary", download: `trip-${trip.id}-seat-codes.pdf` }, t("sheet.download"));
  link.dataset.i18n = "sheet.download";
  const status = el("p", { id: "sheet-status", class: "help", "aria-live": "polite" });
  const form = el(
    "form",
    { id: "sheet-form", novalidate: true },
    el(
      "div",
      { class: "inline" },
      el("p", {}, el("label", { for: "sheet-seats", "data-i18n": "codes.seats" }, t("codes.seats")), seats),
      el("p", {}, el("label", { for: "sheet-layout", "data-i18n": "sheet.layoutLabel" }, t("sheet.layoutLabel")), layout),
    ),
    carChoice(trip, "sheet"),
    el("p", { class: "actions" }, link),
    status,
  );
  const update = () => {
    const query = new URLSearchParams({ seats: seats.value.trim() || `1-${trip.seats}`, layout: layout.value });
    const cars = checkedCars(form, "sheet");
    if (cars.length) query.set("cars", cars.join(","));
    link.href = `${base(trip)}/sheet.pdf?${query}`;
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    update();
    status.textContent = t("sheet.preparing");
    try {
      await download(link.href, `trip-${trip.id}-seat-codes.pdf`);
      status.textContent = t("sheet.ready");
    } catch (error) {
      status.textContent = "";
      status.append(el("span", { class: "error" }, describeError(error)));
    }
  });
  update();
  return el(
    "div",
    { class: "part" },
    el("h3", { "data-i18n": "sheet.title" }, t("sheet.title")),
    el("p", { class: "help", "data-i18n": "sheet.intro" }, t("sheet.intro")),
    form,
  );
}
