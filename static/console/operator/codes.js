// A trip's seat codes: mint them for seats and cars, preview one label,
// download the PNG or SVG of a code and the PDF sheet of labels.

import { api, el, t, announce, describeError, formatDate, formatNumber } from "../console.js";
import { table, download, plural } from "./common.js";

/** Codes listed on the page at most; the sheet holds them all. */
const SHOWN = 100;

/** Sheet layouts offered: columns × rows of labels on an A4 page. */
const LAYOUTS = ["3x8", "3x7", "2x6", "2x5", "2x4"];

/** "Seat 12" or "Car 2 · seat 12". */
function seatLabel(seat, car) {
  return car ? t("label.carSeat", { car, seat }) : t("label.seat", { seat });
}

const base = (trip) => `/api/v1/operator/trips/${trip.id}`;

/** The URL of one code's image. */
function imageHref(trip, seat, car, format) {
  const query = car ? `?car=${encodeURIComponent(car)}` : "";
  return `${base(trip)}/codes/${seat}.${format}${query}`;
}

function imageName(trip, seat, car, format) {
  return `trip-${trip.id}-${car ? `car-${car}-` : ""}seat-${seat}.${format}`;
}

/** Checkboxes of the trip's cars (none when seats are numbered across the train). */
function carChoice(trip, prefix) {
  if (!trip.cars?.length) return null;
  return el(
    "fieldset",
    { class: "cars" },
    el("legend", { "data-i18n": "codes.cars" }, t("codes.cars")),
    trip.cars.map((car) =>
      el(
        "label",
        { class: "check" },
        el("input", { type: "checkbox", name: `${prefix}-car`, value: car, checked: true }),
        ` ${t("codes.car", { car })}`,
      ),
    ),
  );
}

function checkedCars(form, prefix) {
  return [...form.querySelectorAll(`input[name="${prefix}-car"]:checked`)].map((i) => i.value);
}

function guarded(button, work) {
  return async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await work();
    } finally {
      button.disabled = false;
    }
  };
}

/** The seat codes part of the trip page. */
export function codesSection(trip) {
  return el(
    "section",
    { class: "card", "aria-labelledby": "codes-title", id: "codes" },
    el("h2", { id: "codes-title", "data-i18n": "codes.title" }, t("codes.title")),
    el("p", { class: "help", "data-i18n": "codes.intro" }, t("codes.intro")),
    mintForm(trip),
    previewPart(trip),
    sheetPart(trip),
  );
}

function mintForm(trip) {
  const result = el("div", { id: "codes-result", tabindex: "-1" });
  const seats = el("input", { type: "text", id: "codes-seats", value: `1-${trip.seats}`, autocomplete: "off", "aria-describedby": "codes-seats-help" });
  const submit = el("button", { type: "submit", class: "button primary", id: "codes-submit", "data-i18n": "codes.mint" }, t("codes.mint"));
  const form = el(
    "form",
    { id: "codes-form", novalidate: true },
    el(
      "p",
      {},
      el("label", { for: "codes-seats", "data-i18n": "codes.seats" }, t("codes.seats")),
      seats,
      el("span", { id: "codes-seats-help", class: "help", "data-i18n": "codes.seats.help" }, t("codes.seats.help")),
    ),
    carChoice(trip, "codes"),
    el("p", {}, submit),
    result,
  );
  form.addEventListener(
    "submit",
    guarded(submit, async () => {
      const cars = checkedCars(form, "codes");
      const body = { seats: seats.value.trim() || `1-${trip.seats}` };
      if (cars.length) body.cars = cars;
      try {
        const { codes } = await api(`${base(trip)}/codes`, { method: "POST", json: body });
        result.replaceChildren(...codesList(trip, codes));
        announce(plural("codes.minted", codes.length), "success");
        result.focus();
      } catch (error) {
        result.replaceChildren(el("p", { class: "error", role: "alert" }, describeError(error)));
        seats.focus();
      }
    }),
  );
  return form;
}

function codesList(trip, codes) {
  const shown = codes.slice(0, SHOWN);
  const hasCars = codes.some((c) => c.car);
  const fileLink = (code, format) =>
    el(
      "a",
      {
        href: imageHref(trip, code.seat, code.car, format),
        class: "file-link",
        "aria-label": t(`codes.download.${format}.label`, { seat: seatLabel(code.seat, code.car) }),
        onclick: (event) => {
          event.preventDefault();
          download(imageHref(trip, code.seat, code.car, format), imageName(trip, code.seat, code.car, format)).catch(
            (error) => announce(describeError(error), "error"),
          );
        },
      },
      format.toUpperCase(),
    );
  const columns = [
    ...(hasCars ? [{ label: t("col.car") }] : []),
    { label: t("col.seat"), num: true, header: true },
    { label: t("col.code") },
    { label: t("col.files") },
    { label: t("col.preview") },
  ];
  const rows = shown.map((code) => [
    ...(hasCars ? [code.car || ""] : []),
    String(code.seat),
    el("code", { class: "url" }, code.url),
    el("span", { class: "actions" }, fileLink(code, "png"), fileLink(code, "svg")),
    el(
      "button",
      {
        type: "button",
        class: "button small",
        "aria-label": t("codes.preview.label", { seat: seatLabel(code.seat, code.car) }),
        onclick: () => preview(trip, code.seat, code.car, "png", true),
      },
      t("codes.preview"),
    ),
  ]);
  return [
    el("p", { id: "codes-count" }, plural("codes.minted", codes.length)),
    codes.length > SHOWN ? el("p", { class: "help" }, t("codes.firstShown", { shown: formatNumber(SHOWN) })) : "",
    table({ id: "codes-table", caption: t("codes.table"), captionHidden: true, columns, rows }),
  ];
}

function previewPart(trip) {
  const seat = el("input", { type: "number", id: "preview-seat", min: 1, max: trip.seats, value: 1, step: 1 });
  const car = trip.cars?.length
    ? el(
        "p",
        {},
        el("label", { for: "preview-car", "data-i18n": "codes.carOne" }, t("codes.carOne")),
        el("select", { id: "preview-car" }, trip.cars.map((c) => el("option", { value: c }, c))),
      )
    : null;
  const format = el(
    "fieldset",
    { class: "formats" },
    el("legend", { "data-i18n": "codes.format" }, t("codes.format")),
    ["png", "svg"].map((f) =>
      el("label", { class: "check" }, el("input", { type: "radio", name: "preview-format", value: f, checked: f === "png" }), ` ${f.toUpperCase()}`),
    ),
  );
  const submit = el("button", { type: "submit", class: "button", "data-i18n": "codes.preview" }, t("codes.preview"));
  const form = el(
    "form",
    { id: "preview-form", class: "inline", novalidate: true },
    el("p", {}, el("label", { for: "preview-seat", "data-i18n": "codes.seatOne" }, t("codes.seatOne")), seat),
    car,
    format,
    el("p", {}, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name="preview-format"]:checked')?.value || "png";
    preview(trip, Number(seat.value), document.getElementById("preview-car")?.value, chosen, false);
  });
  return el(
    "div",
    { class: "part" },
    el("h3", { "data-i18n": "codes.previewTitle" }, t("codes.previewTitle")),
    form,
    el("div", { id: "label-preview", "aria-live": "polite" }),
  );
}

/** Shows the label of one seat as it will be printed, with its code image. */
function preview(trip, seat, car, format, scroll) {
  const holder = document.getElementById("label-preview");
  const problem = (text) => holder.replaceChildren(el("p", { class: "error", role: "alert" }, text));
  if (!Number.isInteger(seat) || seat < 1 || seat > trip.seats) {
    problem(t("codes.seatRange", { max: trip.seats }));
    return;
  }
  document.getElementById("preview-seat").value = seat;
  if (car && document.getElementById("preview-car")) document.getElementById("preview-car").value = car;
  const href = imageHref(trip, seat, car, format);
  const img = el("img", {
    id: "label-img",
    src: href,
    width: 180,
    height: 180,
    alt: t("codes.img.alt", { seat: seatLabel(seat, car), train: trip.train_number }),
  });
  img.addEventListener("error", () => problem(t("codes.previewFailed")));
  img.addEventListener("load", () => holder.setAttribute("data-loaded", `${seat}:${car || ""}:${format}`));
  holder.removeAttribute("data-loaded");
  holder.replaceChildren(
    el(
      "figure",
      { class: "label", dataset: { format } },
      img,
      el(
        "figcaption",
        {},
        el("p", { class: "label-seat" }, seatLabel(seat, car)),
        el("p", { class: "label-line" }, `${trip.line} · ${formatDate(trip.service_date)}`),
        el("p", { class: "label-howto", lang: "fr" }, "Scannez pour lire pendant le trajet"),
        el("p", { class: "label-howto", lang: "en" }, "Scan to read during your trip"),
      ),
    ),
    el(
      "p",
      { class: "actions" },
      ["png", "svg"].map((f) =>
        el(
          "a",
          {
            class: "button",
            href: imageHref(trip, seat, car, f),
            onclick: (event) => {
              event.preventDefault();
              download(imageHref(trip, seat, car, f), imageName(trip, seat, car, f)).catch((error) =>
                announce(describeError(error), "error"),
              );
            },
          },
          t(`codes.download.${f}`),
        ),
      ),
    ),
  );
  if (scroll) holder.scrollIntoView({ block: "nearest" });
  announce(t("codes.previewShown", { seat: seatLabel(seat, car) }));
}

function sheetPart(trip) {
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
