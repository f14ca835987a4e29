// A trip's seat codes: mint them for seats and cars and list them with
// their PNG and SVG files; the label preview and the PDF sheet follow.

import { api, el, t, announce, describeError, download, formatNumber, plural } from "../console.js";
import { table } from "./common.js";
import { base, seatLabel, imageHref, imageName, carChoice, checkedCars, guarded } from "./codes-common.js";
import { previewPart, preview } from "./label.js";
import { sheetPart } from "./sheet.js";

/** Codes listed on the page at most; the sheet holds them all. */
const SHOWN = 100;

/** The codes last minted, listed again when the trip page is redrawn. */
let minted = null;

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
  if (minted?.trip === trip.id) result.replaceChildren(...codesList(trip, minted.codes));
  form.addEventListener(
    "submit",
    guarded(submit, async () => {
      const cars = checkedCars(form, "codes");
      const body = { seats: seats.value.trim() || `1-${trip.seats}` };
      if (cars.length) body.cars = cars;
      try {
        const { codes } = await api(`${base(trip)}/codes`, { method: "POST", json: body });
        minted = { trip: trip.id, codes };
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
