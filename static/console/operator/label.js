// The preview of one seat's label as it will be printed, with its code
// image (PNG or SVG) and the two files to download.

import { el, t, announce, describeError, download, formatDate } from "../console.js";
import { seatLabel, imageHref, imageName } from "./codes-common.js";

/** The label last previewed ({trip, seat, car, format}), shown again when the trip page is redrawn. */
let shown = null;

/** The label preview part of the trip page: a seat, its car, a format. */
export function previewPart(trip) {
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
  const holder = el("div", { id: "label-preview", "aria-live": "polite" });
  if (shown?.trip === trip.id) drawLabel(holder, trip, shown);
  return el("div", { class: "part" }, el("h3", { "data-i18n": "codes.previewTitle" }, t("codes.previewTitle")), form, holder);
}

/** Shows the label of one seat as it will be printed, with its code image. */
export function preview(trip, seat, car, format, scroll) {
  const holder = document.getElementById("label-preview");
  if (!Number.isInteger(seat) || seat < 1 || seat > trip.seats) {
    holder.replaceChildren(el("p", { class: "error", role: "alert" }, t("codes.seatRange", { max: trip.seats })));
    return;
  }
  document.getElementById("preview-seat").value = seat;
  if (car && document.getElementById("preview-car")) document.getElementById("preview-car").value = car;
  shown = { trip: trip.id, seat, car, format };
  drawLabel(holder, trip, shown);
  if (scroll) holder.scrollIntoView({ block: "nearest" });
  announce(t("codes.previewShown", { seat: seatLabel(seat, car) }));
}

/** Draws one seat's label into `holder`: the code image, the printed words, the two files. */
function drawLabel(holder, trip, { seat, car, format }) {
  const href = imageHref(trip, seat, car, format);
  const img = el("img", {
    id: "label-img",
    src: href,
    width: 180,
    height: 180,
    alt: t("codes.img.alt", { seat: seatLabel(seat, car), train: trip.train_number }),
  });
  img.addEventListener("error", () => holder.replaceChildren(el("p", { class: "error", role: "alert" }, t("codes.previewFailed"))));
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
}
