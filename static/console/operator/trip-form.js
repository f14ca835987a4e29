// Creating a trip by hand. The API checks every field and names every missing
// one at once (`errors`: field and detail); each is shown next to its field.

import { api, el, t, announce, describeError } from "../console.js";
import { zonedInstant, rfc3339, knownZone, browserZone, localDay } from "./time.js";

const $ = (id) => document.getElementById(id);
let navigate = () => {};
let defaultDay = () => localDay();

/** The field each API field name belongs to. */
const INPUTS = {
  line: "f-line",
  train_number: "f-train",
  origin: "f-origin",
  destination: "f-destination",
  service_date: "f-date",
  timezone: "f-timezone",
  departs_at: "f-departs",
  arrives_at: "f-arrives",
  seats: "f-seats",
  cars: "f-cars",
};

/** English reasons of the API the console can say in French too. */
const REASONS = [
  [/^is required$/, "reason.required"],
  [/^must not be empty$/, "reason.empty"],
  [/^must be between 1 and (\d+), not (-?\d+)$/, "reason.seats"],
  [/^arrival .* is not after departure .*$/, "reason.order"],
  [/is not an IANA time zone/, "reason.zone"],
];

export function init(go, day) {
  navigate = go;
  defaultDay = day;
  $("trip-form").addEventListener("submit", submit);
}

export function show() {
  clearErrors();
  if (!$("f-date").value) $("f-date").value = defaultDay();
  if (!$("f-timezone").value) $("f-timezone").value = browserZone();
}

function clearErrors() {
  $("trip-form-errors").hidden = true;
  $("trip-form-errors").replaceChildren();
  for (const id of Object.values(INPUTS)) {
    const input = $(id);
    input.removeAttribute("aria-invalid");
    const message = $(`${id}-error`);
    if (message) message.remove();
    const help = input.getAttribute("aria-describedby")?.split(" ").filter((x) => x !== `${id}-error`) || [];
    if (help.length) input.setAttribute("aria-describedby", help.join(" "));
    else input.removeAttribute("aria-describedby");
  }
}

/** The request body, from what the form holds; empty fields are left out for the API to name. */
function body() {
  const value = (id) => $(id).value.trim();
  const zone = value("f-timezone");
  const date = value("f-date");
  const json = {
    line: value("f-line"),
    train_number: value("f-train"),
    origin: value("f-origin"),
    destination: value("f-destination"),
  };
  for (const key of Object.keys(json)) if (!json[key]) delete json[key];
  if (zone) json.timezone = zone;
  if (date) json.service_date = date;
  const seats = value("f-seats");
  if (seats) json.seats = Number(seats);
  const cars = value("f-cars");
  if (cars) json.cars = cars.split(",").map((c) => c.trim()).filter(Boolean);
  // Local wall-clock times become instants in the trip's zone (UTC when the
  // browser does not know the zone: the API then names the zone).
  const clockZone = zone && knownZone(zone) ? zone : "UTC";
  const departs = value("f-departs");
  const arrives = value("f-arrives");
  if (date && departs) json.departs_at = rfc3339(zonedInstant(date, departs, clockZone));
  if (date && arrives) {
    const nextDay = departs && arrives < departs ? 1 : 0;
    json.arrives_at = rfc3339(zonedInstant(date, arrives, clockZone, nextDay));
  }
  return json;
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const button = $("trip-form").querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const trip = await api("/api/v1/operator/trips", { method: "POST", json: body() });
    $("trip-form").reset();
    announce(t("newTrip.created", { number: trip.train_number }), "success");
    navigate(`#trip/${trip.id}`, { focus: true });
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

function reasonText(detail, field) {
  const reason = detail.startsWith(`${field}: `) ? detail.slice(field.length + 2) : detail;
  for (const [pattern, key] of REASONS) {
    const match = reason.match(pattern);
    if (match) return t(key, { max: match[1], value: match[2] });
  }
  return reason;
}

/** The refused fields of a problem: every one the API names (`errors`), else its `field`. */
function refusedFields(problem) {
  if (Array.isArray(problem?.errors)) return problem.errors.filter((e) => INPUTS[e.field]);
  return problem?.field && INPUTS[problem.field] ? [{ field: problem.field, detail: problem.detail || "" }] : [];
}

function showError(error) {
  const summary = $("trip-form-errors");
  const refused = refusedFields(error.problem);
  if (!refused.length) {
    summary.replaceChildren(el("p", {}, describeError(error)));
    summary.hidden = false;
    summary.focus();
    return;
  }
  const links = refused.map(({ field, detail }) => {
    const id = INPUTS[field];
    const input = $(id);
    const label = document.querySelector(`label[for="${id}"]`)?.textContent || field;
    const text = reasonText(detail || "", field);
    input.setAttribute("aria-invalid", "true");
    const message = el("span", { id: `${id}-error`, class: "error field-error" }, text);
    input.insertAdjacentElement("afterend", message);
    const described = [input.getAttribute("aria-describedby"), message.id].filter(Boolean).join(" ");
    input.setAttribute("aria-describedby", described);
    const focus = (e) => {
      e.preventDefault();
      input.focus();
    };
    return el("li", {}, el("a", { href: `#${id}`, onclick: focus }, t("field.error", { label, text })));
  });
  summary.replaceChildren(el("p", {}, t("newTrip.refused")), el("ul", {}, ...links));
  summary.hidden = false;
  $(INPUTS[refused[0].field]).focus();
}
