// What the seat code parts of the trip page share: image addresses and
// file names, seat labels, the cars a trip has.

import { el, t } from "../console.js";

/** "Seat 12" or "Car 2 · seat 12". */
export function seatLabel(seat, car) {
  return car ? t("label.carSeat", { car, seat }) : t("label.seat", { seat });
}

/** The API path of a trip. */
export const base = (trip) => `/api/v1/operator/trips/${trip.id}`;

/** The URL of one code's image. */
export function imageHref(trip, seat, car, format) {
  const query = car ? `?car=${encodeURIComponent(car)}` : "";
  return `${base(trip)}/codes/${seat}.${format}${query}`;
}

/** The file name a downloaded code image is saved under. */
export function imageName(trip, seat, car, format) {
  return `trip-${trip.id}-${car ? `car-${car}-` : ""}seat-${seat}.${format}`;
}

/** Checkboxes of the trip's cars (none when seats are numbered across the train). */
export function carChoice(trip, prefix) {
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

/** The cars ticked in a form made with `carChoice`. */
export function checkedCars(form, prefix) {
  return [...form.querySelectorAll(`input[name="${prefix}-car"]:checked`)].map((i) => i.value);
}

/** A submit handler that keeps `button` disabled while `work` runs. */
export function guarded(button, work) {
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
